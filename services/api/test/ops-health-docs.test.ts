import { createEvent, type EnrollmentEvent } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpsService } from '../src/ops/ops-service.js';
import { AUTH, bearer, KEYS, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('ops-health-docs');
});
afterAll(async () => t?.close());

async function failedEnrollment(id: string, code: string, step: 'begin' | 'account', batchId?: string) {
  const requested = createEvent({
    type: 'enrollment.requested.v1',
    subject: id,
    sequence: 1,
    source: 'test',
    correlationId: id,
    data: {
      enrollmentId: id,
      accountNumber: `acct-${id.slice(0, 8)}`,
      accountNumberGenerated: false,
      displayName: 'Failing',
      transport: 'inline',
      checkLiveness: true,
      timeoutSec: 3600,
      mode: 'capture',
      priority: batchId ? 'batch' : 'interactive',
      ...(batchId ? { batchId, line: 1 } : {}),
      requestedAt: new Date().toISOString(),
    },
  });
  const failed = createEvent({
    type: 'enrollment.failed.v1',
    subject: id,
    sequence: 2,
    source: 'test',
    correlationId: id,
    causationId: requested.id,
    data: { step, code, message: 'failed in test', retryable: code !== 'account_conflict', attempts: 3 },
  });
  await t.readModel.applyEvent(requested as EnrollmentEvent);
  await t.readModel.applyEvent(failed as EnrollmentEvent);
}

describe('ops', () => {
  it('GET /v1/ops/failed filters and pages the failed index', async () => {
    await failedEnrollment('10000000-0000-4000-8000-000000000001', 'upstream_unavailable', 'begin', 'b-1');
    await failedEnrollment('10000000-0000-4000-8000-000000000002', 'account_conflict', 'account');
    await failedEnrollment('10000000-0000-4000-8000-000000000003', 'upstream_unavailable', 'begin');
    const list = (query: string) =>
      t.app.inject({ method: 'GET', url: `/v1/ops/failed${query}`, headers: AUTH });

    const all = (await list('')).json();
    expect(all.items.map((item: { enrollmentId: string }) => item.enrollmentId).sort()).toHaveLength(3);
    const byCode = (await list('?code=account_conflict&retryable=false')).json();
    expect(byCode.items).toEqual([
      expect.objectContaining({
        enrollmentId: '10000000-0000-4000-8000-000000000002',
        step: 'account',
        retryable: false,
      }),
    ]);
    expect((await list('?batchId=b-1')).json().items).toHaveLength(1);
    expect((await list('?step=begin')).json().items).toHaveLength(2);

    const page1 = (await list('?limit=2')).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await list(`?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();

    expect(
      (await list('?step=nope&limit=0'))
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['limit', 'step']);
    expect((await list('?cursor=garbage')).statusCode).toBe(400);
  });

  it('retry, replay and rebuild are validated and need the ops scope', async () => {
    const unknownField = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/replay',
      headers: AUTH,
      payload: { everything: true },
    });
    expect(unknownField.statusCode).toBe(400);
    const badFilter = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/failed/retry',
      headers: AUTH,
      payload: { filter: { step: 'nap' } },
    });
    expect(badFilter.json().error.details.map((d: { field: string }) => d.field)).toEqual(['filter.step']);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/ops/projections/rebuild',
          headers: bearer(KEYS.writer),
        })
      ).statusCode,
    ).toBe(403);
    const both = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/failed/retry',
      headers: AUTH,
      payload: { ids: ['a'], filter: {} },
    });
    expect(both.statusCode).toBe(400);
    const writer = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/replay',
      headers: bearer(KEYS.writer),
      payload: {},
    });
    expect(writer.statusCode).toBe(403);
  });

  it('delegates to an injected OpsService with the caller recorded', async () => {
    const calls: unknown[] = [];
    const ops: OpsService = {
      retryFailed: async (selector) => (calls.push(selector), { retried: selector.ids?.length ?? 0 }),
      replay: async (selector) => (
        calls.push(selector),
        { dryRun: selector.dryRun, enrollments: 1, events: 4, retried: 0, redriven: 1, terminal: 0 }
      ),
      rebuildProjection: async (requestedBy) => (calls.push(requestedBy), { started: true }),
      rebuildStatus: async () => null,
    };
    const withOps = await startTestApp('ops-injected', { deps: { opsService: ops } });
    try {
      const retry = await withOps.app.inject({
        method: 'POST',
        url: '/v1/ops/failed/retry',
        headers: AUTH,
        payload: { ids: ['e1', 'e2'] },
      });
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toEqual({ retried: 2 });
      const replay = await withOps.app.inject({
        method: 'POST',
        url: '/v1/ops/replay',
        headers: AUTH,
        payload: { batchId: 'b' },
      });
      expect(replay.json()).toEqual({
        dryRun: true,
        enrollments: 1,
        events: 4,
        retried: 0,
        redriven: 1,
        terminal: 0,
      });
      expect(
        (await withOps.app.inject({ method: 'GET', url: '/v1/ops/projections/rebuild', headers: AUTH }))
          .statusCode,
      ).toBe(404);
      expect(
        (await withOps.app.inject({ method: 'POST', url: '/v1/ops/projections/rebuild', headers: AUTH }))
          .statusCode,
      ).toBe(202);
      expect(calls).toEqual([
        { ids: ['e1', 'e2'], reason: 'ops retry', requestedBy: 'all' },
        { batchId: 'b', dryRun: true, requestedBy: 'all' },
        'all',
      ]);
    } finally {
      await withOps.close();
    }
  });

  it('the queue dashboard asks browsers for Basic credentials and needs the ops scope', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/ops/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    const basic = (key: { id: string; secret: string }) => ({
      authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`,
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/ops/queues', headers: basic(KEYS.writer) })).statusCode,
    ).toBe(403);
    const page = await t.app.inject({ method: 'GET', url: '/ops/queues', headers: basic(KEYS.all) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const queues = await t.app.inject({ method: 'GET', url: '/ops/queues/api/queues', headers: AUTH });
    expect(queues.statusCode).toBe(200);
    expect(queues.json().queues.map((q: { name: string }) => q.name)).toEqual(['steps']);
  });
});

describe('health, metrics, docs', () => {
  it('/healthz, /readyz with Redis and Kafka, /metrics with request and publish metrics', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', kafka: 'ok' } });
    await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: AUTH,
      payload: { displayName: 'Metered' },
    });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(
      /api_http_requests_total\{route="\/v1\/enrollments",method="POST",status="202"\} 1/,
    );
    expect(metrics.body).toMatch(/api_enrollments_accepted_total\{mode="capture",source="single"\} 1/);
    expect(metrics.body).toMatch(/api_publish_latency_seconds_count\{topic="enrollment",outcome="ok"\} 1/);
    expect(metrics.body).toContain('api_batch_lines_total');
  });

  it('/docs/json is an OpenAPI 3 document listing every endpoint with its schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
    const expected: [string, string][] = [
      ['post', '/v1/enrollments'],
      ['get', '/v1/enrollments/{id}'],
      ['get', '/v1/enrollments/{id}/events'],
      ['post', '/v1/enrollments/{id}/capture-finished'],
      ['post', '/v1/enrollments/batch'],
      ['get', '/v1/batches/{id}'],
      ['post', '/v1/webhooks/verified'],
      ['get', '/v1/ops/failed'],
      ['post', '/v1/ops/failed/retry'],
      ['post', '/v1/ops/replay'],
      ['post', '/v1/ops/projections/rebuild'],
      ['get', '/healthz'],
      ['get', '/readyz'],
      ['get', '/metrics'],
    ];
    for (const [method, path] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation.responses).length, `${method} ${path} responses`).toBeGreaterThan(0);
      for (const response of Object.values(operation.responses) as { description?: string }[]) {
        expect(typeof response.description).toBe('string');
      }
    }
    expect(
      Object.keys(doc.paths).some((path) => path.startsWith('/ops/queues') || path.startsWith('/docs')),
    ).toBe(false);
    const create = doc.paths['/v1/enrollments'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['displayName']);
    expect(body.properties.transport.enum).toEqual(['inline', 'sms', 'email']);
    expect(create.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain(
      'header:idempotency-key',
    );
    expect(create.responses['400'].content['application/json'].schema.properties.error).toBeDefined();
    const batch = doc.paths['/v1/enrollments/batch'].post.requestBody.content;
    expect(Object.keys(batch).sort()).toEqual(['application/x-ndjson', 'text/csv']);
    expect(doc.paths['/v1/ops/failed'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['step', 'code', 'batchId', 'since', 'until', 'retryable', 'limit', 'cursor']),
    );
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
  });
});

describe('rate limiting', () => {
  it('limits per API key with the Redis store: 429 with Retry-After, other keys unaffected', async () => {
    const limited = await startTestApp('rate-limit', { env: { API_RATE_LIMIT_PER_MIN: '3' } });
    try {
      const read = (headers: Record<string, string>) =>
        limited.app.inject({
          method: 'GET',
          url: '/v1/enrollments/00000000-0000-4000-8000-000000000000',
          headers,
        });
      for (let i = 0; i < 3; i++) expect((await read(AUTH)).statusCode).toBe(404);
      const over = await read(AUTH);
      expect(over.statusCode).toBe(429);
      expect(over.json().error.code).toBe('rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await read(bearer(KEYS.reader))).statusCode).toBe(404);
      expect(await limited.redis.keys(`${limited.config.keyPrefix}:rate-limit:*`)).not.toHaveLength(0);
      expect((await limited.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

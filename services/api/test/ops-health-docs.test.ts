import assert from 'node:assert/strict';
import { isolatedNames, keysMatching } from '@verified-onboard/devstack';
import { EVENT_TYPES, topicNames } from '@verified-onboard/events';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QUEUES } from '@verified-onboard/contracts';
import type { OpsService } from '../src/ops/ops-service.js';
import { failedPageSchema } from '../src/routes/ops.js';
import { nextEvent, requestedEvent } from './support/events.js';
import {
  AUTH,
  basic,
  bearer,
  bodyOf,
  errorOf,
  KEYS,
  messageCount,
  startTestApp,
  type TestApp,
} from './support/harness.js';

/** The parts of an OpenAPI 3 document this file reads; the rest passes through unchecked. */
const schemaObject = z.looseObject({
  required: z.array(z.string()).optional(),
  properties: z.record(z.string(), z.looseObject({ enum: z.array(z.unknown()).optional() })).optional(),
});
const mediaTypes = z.record(z.string(), z.looseObject({ schema: schemaObject }));
const operation = z.looseObject({
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
  requestBody: z.looseObject({ content: mediaTypes }).optional(),
  responses: z.record(
    z.string(),
    z.looseObject({ description: z.unknown(), content: mediaTypes.optional() }),
  ),
});
const openApiSubset = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.unknown(), version: z.unknown() }),
  components: z.looseObject({ securitySchemes: z.record(z.string(), z.unknown()) }),
  paths: z.record(z.string(), z.looseObject({ get: operation.optional(), post: operation.optional() })),
});

/** Whether the app's steps queue is paused, read straight from BullMQ. */
async function stepsPaused(app: TestApp): Promise<boolean> {
  const queue = new Queue(QUEUES.steps, { connection: app.redis, prefix: app.config.queuePrefix });
  try {
    return await queue.isPaused();
  } finally {
    await queue.close();
  }
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('ops-health-docs');
});
afterAll(async () => t?.close());

async function failedEnrollment(id: string, code: string, step: 'begin' | 'account', batchId?: string) {
  const requested = requestedEvent(id, {
    displayName: 'Failing',
    priority: batchId ? 'batch' : 'interactive',
    ...(batchId ? { batchId, line: 1 } : {}),
  });
  const failed = nextEvent(requested, EVENT_TYPES.failed, {
    step,
    code,
    message: 'failed in test',
    retryable: code !== 'account_conflict',
    attempts: 3,
  });
  await t.readModel.applyEvent(requested);
  await t.readModel.applyEvent(failed);
}

describe('ops', () => {
  it('GET /v1/ops/failed filters and pages the failed index', async () => {
    await failedEnrollment('10000000-0000-4000-8000-000000000001', 'upstream_unavailable', 'begin', 'b-1');
    await failedEnrollment('10000000-0000-4000-8000-000000000002', 'account_conflict', 'account');
    await failedEnrollment('10000000-0000-4000-8000-000000000003', 'upstream_unavailable', 'begin');
    const list = (query: string) => t.get(`/v1/ops/failed${query}`);
    const page = async (query: string) => bodyOf(await list(query), failedPageSchema);

    const all = await page('');
    expect(all.items.map((item) => item.enrollmentId).sort()).toHaveLength(3);
    const byCode = await page('?code=account_conflict&retryable=false');
    expect(byCode.items).toEqual([
      expect.objectContaining({
        enrollmentId: '10000000-0000-4000-8000-000000000002',
        step: 'account',
        retryable: false,
      }),
    ]);
    expect((await page('?batchId=b-1')).items).toHaveLength(1);
    expect((await page('?step=begin')).items).toHaveLength(2);

    const page1 = await page('?limit=2');
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await page(`?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();

    expect(
      errorOf(await list('?step=nope&limit=0'))
        .details.map((d) => d.field)
        .sort(),
    ).toEqual(['limit', 'step']);
    expect((await list('?cursor=garbage')).statusCode).toBe(400);
  });

  it('retry, replay and rebuild are validated and need the ops scope', async () => {
    expect((await t.post('/v1/ops/replay', { everything: true })).statusCode).toBe(400);
    const badFilter = await t.post('/v1/ops/failed/retry', { filter: { step: 'nap' } });
    expect(errorOf(badFilter).details.map((d) => d.field)).toEqual(['filter.step']);
    expect((await t.get('/v1/ops/projections/rebuild', bearer(KEYS.writer))).statusCode).toBe(403);
    expect((await t.post('/v1/ops/failed/retry', { ids: ['a'], filter: {} })).statusCode).toBe(400);
    expect((await t.post('/v1/ops/replay', {}, bearer(KEYS.writer))).statusCode).toBe(403);
  });

  it('delegates to an injected OpsService with the caller recorded, each action audited before it runs', async () => {
    const calls: unknown[] = [];
    // How many audit records the broker had acknowledged when each action started.
    const auditedBefore: number[] = [];
    const names = isolatedNames('ops-injected');
    const audited = async () => {
      auditedBefore.push(await messageCount(t.kafka, topicNames(names.topicPrefix).opsAudit));
    };
    const replayStatus = {
      id: 'r-1',
      state: 'running' as const,
      dryRun: true,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      enrollments: 1,
      events: 4,
      retried: 0,
      redriven: 1,
      terminal: 0,
      limit: 10_000,
      truncated: false,
      error: null,
    };
    const ops: OpsService = {
      retryFailed: async (selector) => {
        await audited();
        calls.push(selector);
        return { retried: selector.ids?.length ?? 0 };
      },
      startReplay: async (selector) => {
        await audited();
        calls.push(selector);
        return { ...replayStatus, dryRun: selector.dryRun };
      },
      replayStatus: (id) => Promise.resolve(id === replayStatus.id ? replayStatus : null),
      rebuildProjection: async (requestedBy) => {
        await audited();
        calls.push(requestedBy);
        return { started: true };
      },
      rebuildStatus: () => Promise.resolve(null),
    };
    const withOps = await startTestApp('ops-injected', { names, deps: { opsService: ops } });
    try {
      const audit = await withOps.collect(withOps.topics.opsAudit);
      const retry = await withOps.post('/v1/ops/failed/retry', { ids: ['e1', 'e2'] });
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toEqual({ retried: 2 });
      const replay = await withOps.post('/v1/ops/replay', { batchId: 'b' });
      expect(replay.statusCode).toBe(202);
      expect(replay.json()).toEqual(replayStatus);
      expect((await withOps.get(`/v1/ops/replays/${replayStatus.id}`)).json()).toEqual(replayStatus);
      expect((await withOps.get('/v1/ops/replays/nope')).statusCode).toBe(404);
      expect((await withOps.get('/v1/ops/projections/rebuild')).statusCode).toBe(404);
      expect((await withOps.post('/v1/ops/projections/rebuild')).statusCode).toBe(202);
      expect(calls).toEqual([
        { ids: ['e1', 'e2'], reason: 'ops retry', requestedBy: 'all' },
        { batchId: 'b', dryRun: true, requestedBy: 'all' },
        'all',
      ]);
      expect(auditedBefore).toEqual([1, 2, 3]);
      const records = await audit.atLeast(3, EVENT_TYPES.opsActionRecorded, () => true);
      expect(records.map((r) => r.data)).toEqual([
        expect.objectContaining({ action: 'retry', keyId: 'all', target: { ids: ['e1', 'e2'] } }),
        expect.objectContaining({
          action: 'replay',
          keyId: 'all',
          target: { filter: { batchId: 'b' }, dryRun: true },
        }),
        expect.objectContaining({ action: 'rebuild', keyId: 'all', target: {} }),
      ]);
    } finally {
      await withOps.close();
    }
  });

  it('the queue dashboard asks browsers for Basic credentials and needs the ops scope', async () => {
    const anonymous = await t.get('/ops/queues', {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await t.get('/ops/queues', basic(KEYS.writer))).statusCode).toBe(403);
    const page = await t.get('/ops/queues', basic(KEYS.all));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const queues = await t.get('/ops/queues/api/queues');
    expect(queues.statusCode).toBe(200);
    const { queues: listed } = bodyOf(queues, z.object({ queues: z.array(z.object({ name: z.string() })) }));
    expect(listed.map((q) => q.name)).toEqual(['steps']);
  });

  it('the queue dashboard is read-only unless OPS_DASHBOARD_WRITABLE=1', async () => {
    const listed = z.object({ queues: z.array(z.object({ name: z.string(), readOnlyMode: z.boolean() })) });
    expect(bodyOf(await t.get('/ops/queues/api/queues'), listed).queues[0]?.readOnlyMode).toBe(true);
    const mutating = [
      ['PUT', '/ops/queues/api/queues/pause'],
      ['PUT', '/ops/queues/api/queues/steps/pause'],
      ['PUT', '/ops/queues/api/queues/steps/empty'],
      ['PUT', '/ops/queues/api/queues/steps/obliterate'],
      ['PATCH', '/ops/queues/api/queues/steps/job-1/update-data'],
      ['POST', '/ops/queues/api/queues/steps/add'],
    ] as const;
    for (const [method, url] of mutating) {
      const res = await t.app.inject({ method, url, headers: basic(KEYS.all), payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(errorOf(res).code).toBe('dashboard_read_only');
    }
    expect(await stepsPaused(t)).toBe(false);
    // The ops scope is checked before the read-only answer: a writer never learns more than 403 forbidden.
    const writer = await t.app.inject({ method: 'PUT', url: mutating[1][1], headers: basic(KEYS.writer) });
    expect(errorOf(writer).code).toBe('forbidden');

    const writable = await startTestApp('ops-dashboard-writable', { env: { OPS_DASHBOARD_WRITABLE: '1' } });
    try {
      expect(bodyOf(await writable.get('/ops/queues/api/queues'), listed).queues[0]?.readOnlyMode).toBe(
        false,
      );
      const pause = await writable.app.inject({ method: 'PUT', url: mutating[1][1], headers: AUTH });
      expect(pause.statusCode).toBe(200);
      expect(await stepsPaused(writable)).toBe(true);
      const audit = await writable.collect(writable.topics.opsAudit);
      const [record] = await audit.atLeast(1, EVENT_TYPES.opsActionRecorded, () => true);
      expect(record?.data).toMatchObject({
        action: 'dashboard',
        keyId: 'all',
        target: { method: 'PUT', path: '/ops/queues/api/queues/steps/pause' },
      });
    } finally {
      await writable.close();
    }
  });
});

describe('health, metrics, docs', () => {
  it('/healthz, /readyz with Redis and Kafka, /metrics with request and publish metrics', async () => {
    expect((await t.get('/healthz', {})).json()).toEqual({ status: 'ok' });
    const ready = await t.get('/readyz', {});
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', kafka: 'ok' } });
    expect((await t.post('/v1/enrollments', { displayName: 'Metered' })).statusCode).toBe(202);
    const metrics = await t.get('/metrics', {});
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(
      /api_http_requests_total\{route="\/v1\/enrollments",method="POST",status="202"\} 1/,
    );
    expect(metrics.body).toMatch(/api_enrollments_accepted_total\{mode="capture",source="single"\} 1/);
    expect(metrics.body).toMatch(/api_publish_latency_seconds_count\{topic="enrollment",outcome="ok"\} 1/);
    expect(metrics.body).toContain('api_batch_lines_total');
  });

  it('/docs/json is an OpenAPI 3 document listing every endpoint with its schemas', async () => {
    const res = await t.get('/docs/json', {});
    expect(res.statusCode).toBe(200);
    const doc = bodyOf(res, openApiSubset);
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect([typeof doc.info.title, typeof doc.info.version]).toEqual(['string', 'string']);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
    const expected: ['get' | 'post', string][] = [
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
      assert.ok(operation, `${method} ${path}`);
      expect(Object.keys(operation.responses).length, `${method} ${path} responses`).toBeGreaterThan(0);
      for (const response of Object.values(operation.responses)) {
        expect(typeof response.description).toBe('string');
      }
    }
    expect(
      Object.keys(doc.paths).some((path) => path.startsWith('/ops/queues') || path.startsWith('/docs')),
    ).toBe(false);
    const create = doc.paths['/v1/enrollments']?.post;
    const body = create?.requestBody?.content['application/json']?.schema;
    expect(body?.required).toEqual(['displayName']);
    expect(body?.properties?.transport?.enum).toEqual(['inline', 'sms', 'email']);
    expect(create?.parameters?.map((p) => `${p.in}:${p.name}`)).toContain('header:idempotency-key');
    const problem = create?.responses['400']?.content?.['application/problem+json']?.schema;
    expect(problem?.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(Object.keys(create?.responses['400']?.content ?? {})).toEqual(['application/problem+json']);
    const batch = doc.paths['/v1/enrollments/batch']?.post?.requestBody?.content ?? {};
    expect(Object.keys(batch).sort()).toEqual(['application/x-ndjson', 'text/csv']);
    expect(doc.paths['/v1/ops/failed']?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['step', 'code', 'batchId', 'since', 'until', 'retryable', 'limit', 'cursor']),
    );
    const ui = await t.get('/docs/', {});
    expect(ui.statusCode).toBe(200);
  });
});

describe('rate limiting', () => {
  it('limits per API key with the Redis store: 429 with Retry-After, other keys unaffected', async () => {
    const limited = await startTestApp('rate-limit', { env: { API_RATE_LIMIT_PER_MIN: '3' } });
    try {
      const read = (headers: Record<string, string>) =>
        limited.get('/v1/enrollments/00000000-0000-4000-8000-000000000000', headers);
      for (let i = 0; i < 3; i++) expect((await read(AUTH)).statusCode).toBe(404);
      const over = await read(AUTH);
      expect(over.statusCode).toBe(429);
      expect(errorOf(over).code).toBe('rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await read(bearer(KEYS.reader))).statusCode).toBe(404);
      expect(await keysMatching(limited.redis, `${limited.keys.rateLimitNamespace}*`)).not.toHaveLength(0);
      expect((await limited.get('/healthz', {})).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

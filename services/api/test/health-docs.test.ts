import assert from 'node:assert/strict';
import { keysMatching } from '@verified-onboard/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AUTH, bearer, bodyOf, errorOf, KEYS, startTestApp, type TestApp } from './support/harness.js';

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

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('health-docs');
});
afterAll(async () => t?.close());

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
    expect(metrics.body).toMatch(
      /api_publish_latency_seconds_count\{topic="enrollmentEvents",outcome="ok"\} 1/,
    );
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

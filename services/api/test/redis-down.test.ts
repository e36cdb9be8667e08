// Redis goes away under a running api: answers are 503 redis_unavailable with Retry-After (never a 500, never
// served without the rate limiter), fast, and liveness still answers.
import { freePort, startRedisServer, waitFor, type StartedRedis } from '@verified-onboard/devstack';
import { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_REDIS_OPTIONS } from '../src/http/redis-errors.js';
import { errorOf, startTestApp, type TestApp } from './support/harness.js';

let server: StartedRedis | undefined;
let redis: Redis;
let t: TestApp;
beforeAll(async () => {
  server = await startRedisServer(await freePort(), join(tmpdir(), `api-redis-down-${process.pid}.log`));
  // The api's own connection options (main.ts), on a server this test owns and kills.
  redis = new Redis(server.url, API_REDIS_OPTIONS);
  redis.on('error', () => undefined);
  await waitFor('api redis connection ready', () => redis.status === 'ready');
  t = await startTestApp('redis-down', { env: { REDIS_URL: server.url }, deps: { redis } });
  t.redis.on('error', () => undefined);
});
afterAll(async () => {
  await t?.close();
  redis?.disconnect();
  await server?.stop();
});

it('answers 503 redis_unavailable with Retry-After once Redis is gone, and /healthz still answers', async () => {
  const read = () => t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000');
  expect((await read()).statusCode).toBe(404);
  await server?.stop();
  await waitFor('api connection noticed Redis is gone', () => redis.status !== 'ready');

  const answers = [
    await read(),
    await t.post('/v1/enrollments', { displayName: 'Nobody' }),
    await t.get('/v1/ops/failed'),
  ];
  for (const res of answers) {
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe('redis_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }
  expect((await t.get('/healthz', {})).statusCode).toBe(200);
  const ready = await t.get('/readyz', {});
  expect(ready.statusCode).toBe(503);
  expect(errorOf(ready).details).toContainEqual({ field: 'redis', reason: 'unreachable' });
});

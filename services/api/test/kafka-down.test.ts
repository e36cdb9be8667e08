import { freePort, keysMatching } from '@verified-onboard/devstack';
import { createKafka } from '@verified-onboard/adapters';
import { signWebhookBody } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { QUEUES } from '@verified-onboard/contracts';
import type { OpsService } from '../src/ops/ops-service.js';
import { AUTH, bearer, errorOf, KEYS, startTestApp, type TestApp } from './support/harness.js';

/** Ops actions that must never run while their audit record cannot be written. */
const ran: string[] = [];
const refusingOps: OpsService = {
  retryFailed: () => {
    ran.push('retry');
    return Promise.resolve({ retried: 0 });
  },
  startReplay: () => {
    ran.push('replay');
    return Promise.reject(new Error('replay ran'));
  },
  replayStatus: () => Promise.resolve(null),
  rebuildProjection: () => {
    ran.push('rebuild');
    return Promise.resolve({ started: true });
  },
  rebuildStatus: () => Promise.resolve(null),
};

let t: TestApp;
beforeAll(async () => {
  // Nothing listens on this port: every connection is refused, as when the brokers are down.
  const port = await freePort();
  const kafka = createKafka({
    brokers: [`127.0.0.1:${port}`],
    clientId: 'api-kafka-down',
    retries: 0,
    connectionTimeoutMs: 500,
  });
  t = await startTestApp('kafka-down', {
    kafka,
    env: { API_PUBLISH_TIMEOUT_MS: '3000', OPS_DASHBOARD_WRITABLE: '1' },
    deps: { opsService: refusingOps },
  });
});
afterAll(async () => t?.close());

it('POST /v1/enrollments answers 503 with Retry-After and claims nothing', async () => {
  const enroll = () =>
    t.post(
      '/v1/enrollments',
      { displayName: 'Nobody', accountNumber: 'acct-down' },
      { ...AUTH, 'idempotency-key': 'while-down' },
    );
  const res = await enroll();
  expect(res.statusCode).toBe(503);
  expect(errorOf(res).code).toBe('kafka_unavailable');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  const claims = [
    t.keys.idempotency('default', '*', '*'),
    t.keys.activeAccount('default', '*'),
    t.keys.accepted('*'),
  ];
  for (const pattern of claims) expect(await keysMatching(t.redis, pattern)).toEqual([]);
  // The client's retry with the same key is not blocked by a leftover claim.
  expect((await enroll()).statusCode).toBe(503);
});

it('batches, hints and webhooks answer 503 too; /readyz reports Kafka', async () => {
  const batch = await t.post('/v1/enrollments/batch', '{"displayName":"a"}\n{"displayName":"b"}\n', {
    ...AUTH,
    'content-type': 'application/x-ndjson',
  });
  expect(batch.statusCode).toBe(503);
  expect(errorOf(batch).details).toContainEqual({
    field: 'batchId',
    reason: batch.headers['x-batch-id'],
  });
  // The batch id the 503 names is recorded (so X-Batch-Id can resume it) with nothing accepted or published.
  const batchId = String(batch.headers['x-batch-id']);
  expect(await t.redis.hget(t.keys.batch(batchId), 'accepted')).toBe('0');
  expect(await t.redis.exists(t.keys.batchPublished(batchId))).toBe(0);

  const body = '{"OperationId":"op-down","Status":1}';
  const webhook = await t.post('/v1/webhooks/verified', body, {
    'content-type': 'application/json',
    'x-signature': signWebhookBody(body, t.config.webhookSecret),
  });
  expect(webhook.statusCode).toBe(503);

  const ready = await t.get('/readyz', {});
  expect(ready.statusCode).toBe(503);
  expect(errorOf(ready).details.map((d) => d.field)).toEqual(['kafka']);
  expect((await t.get('/healthz', {})).statusCode).toBe(200);
});

it('an ops action whose audit record is not acknowledged answers 503 and does not run', async () => {
  const actions = [
    () => t.post('/v1/ops/failed/retry', { ids: ['e1'] }),
    () => t.post('/v1/ops/replay', { ids: ['e1'] }),
    () => t.post('/v1/ops/projections/rebuild'),
    () => t.app.inject({ method: 'PUT', url: '/ops/queues/api/queues/steps/pause', headers: AUTH }),
  ];
  for (const action of actions) {
    const res = await action();
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe('audit_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }
  expect(ran).toEqual([]);
  const queue = new Queue(QUEUES.steps, { connection: t.redis, prefix: t.config.queuePrefix });
  try {
    expect(await queue.isPaused()).toBe(false);
  } finally {
    await queue.close();
  }
});

it('/readyz names the failing dependency to everyone, and only an ops key reads why', async () => {
  for (const headers of [{}, bearer(KEYS.reader), { authorization: 'Bearer all:wrong-secret' }]) {
    const ready = await t.get('/readyz', headers);
    expect(ready.statusCode).toBe(503);
    expect(errorOf(ready).details).toEqual([{ field: 'kafka', reason: 'unreachable' }]);
  }
  const forOps = errorOf(await t.get('/readyz', AUTH)).details;
  expect(forOps.map((d) => d.field)).toEqual(['kafka']);
  expect(forOps[0]?.reason).not.toBe('unreachable');
  expect(forOps[0]?.reason).toMatch(/\S/);
});

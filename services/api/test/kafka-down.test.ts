import { freePort } from '@verified-onboard/devstack';
import { createKafka } from '@verified-onboard/events';
import { signWebhookBody } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AUTH, startTestApp, type TestApp } from './support/harness.js';

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
  t = await startTestApp('kafka-down', { kafka, env: { API_PUBLISH_TIMEOUT_MS: '3000' } });
});
afterAll(async () => t?.close());

it('POST /v1/enrollments answers 503 with Retry-After and claims nothing', async () => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/enrollments',
    headers: { ...AUTH, 'idempotency-key': 'while-down' },
    payload: { displayName: 'Nobody', accountNumber: 'acct-down' },
  });
  expect(res.statusCode).toBe(503);
  expect(res.json().error.code).toBe('kafka_unavailable');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  const keys = await t.redis.keys(`${t.config.keyPrefix}:*`);
  expect(keys.filter((key) => /:(idem|active-account|accepted):/.test(key))).toEqual([]);
  // The client's retry with the same key is not blocked by a leftover claim.
  const retry = await t.app.inject({
    method: 'POST',
    url: '/v1/enrollments',
    headers: { ...AUTH, 'idempotency-key': 'while-down' },
    payload: { displayName: 'Nobody', accountNumber: 'acct-down' },
  });
  expect(retry.statusCode).toBe(503);
});

it('batches, hints and webhooks answer 503 too; /readyz reports Kafka', async () => {
  const batch = await t.app.inject({
    method: 'POST',
    url: '/v1/enrollments/batch',
    headers: { ...AUTH, 'content-type': 'application/x-ndjson' },
    payload: '{"displayName":"a"}\n{"displayName":"b"}\n',
  });
  expect(batch.statusCode).toBe(503);
  expect(batch.json().error.details).toContainEqual({
    field: 'batchId',
    reason: batch.headers['x-batch-id'],
  });
  const batchKeys = await t.redis.keys(`${t.config.keyPrefix}:batch:*`);
  expect(batchKeys).toEqual([]);

  const body = '{"OperationId":"op-down","Status":1}';
  const webhook = await t.app.inject({
    method: 'POST',
    url: '/v1/webhooks/verified',
    headers: {
      'content-type': 'application/json',
      'x-signature': signWebhookBody(body, t.config.webhookSecret),
    },
    payload: body,
  });
  expect(webhook.statusCode).toBe(503);

  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(503);
  expect(ready.json().error.details.map((d: { field: string }) => d.field)).toEqual(['kafka']);
  expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
});

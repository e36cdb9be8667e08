import { waitFor } from '@verified-onboard/devstack';
import { EVENT_TYPES } from '@verified-onboard/events';
import { signWebhookBody } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from './support/collector.js';
import { errorOf, messageCount, startTestApp, type TestApp } from './support/harness.js';

const SECRET = 'webhook-secret-for-tests';
let t: TestApp;
let collector: Collector;

beforeAll(async () => {
  t = await startTestApp('webhooks', {
    env: { VERIFIED_WEBHOOK_SECRET: SECRET, WEBHOOK_BASIC_AUTH: 'verified:basic-pass' },
  });
  collector = await t.collect(t.topics.hints);
});
afterAll(async () => t?.close());

const payload = (operationId: string, status = 1, sentAt = new Date()) =>
  // Field order and spacing are kept as sent: the signature covers these exact bytes.
  `{"EventType": 1, "OperationId": "${operationId}", "TransactionId": null, "AccountNumber": "acct-w", "Name": "GetForeignBiometry", "Status": ${status}, "Message": "ok", "Timestamp": "${sentAt.toISOString()}", "Extra": true}`;
const signed = (body: string) => ({ 'x-signature': signWebhookBody(body, SECRET) });
const deliver = (body: string, headers: Record<string, string>) =>
  t.post('/v1/webhooks/verified', body, { 'content-type': 'application/json; charset=utf-8', ...headers });

describe('POST /v1/webhooks/verified', () => {
  it('a valid signature over the raw body gives 204 and a webhook_received hint keyed by operation id', async () => {
    const body = payload('op-valid');
    const res = await deliver(body, { 'x-signature': signWebhookBody(body, SECRET) });
    expect(res.statusCode).toBe(204);
    const hint = await waitFor('the hint', () => collector.events.find((e) => e.subject === 'op-valid'));
    expect(hint.type).toBe(EVENT_TYPES.webhookReceived);
    expect(hint.key).toBe('op-valid');
    expect(hint.data).toMatchObject({
      operationId: 'op-valid',
      accountNumber: 'acct-w',
      upstreamStatus: 1,
      eventType: '1',
    });
  });

  it('Basic auth is accepted when configured', async () => {
    const body = payload('op-basic', 2);
    const res = await deliver(body, {
      authorization: `Basic ${Buffer.from('verified:basic-pass').toString('base64')}`,
    });
    expect(res.statusCode).toBe(204);
    await collector.first(EVENT_TYPES.webhookReceived, 'op-basic');
  });

  it('forged, re-serialized, missing or wrong-credential deliveries get 401 and publish nothing', async () => {
    const before = await messageCount(t.kafka, t.topics.hints);
    const body = payload('op-forged');
    const attempts: Record<string, string>[] = [
      { 'x-signature': signWebhookBody(body, 'not-the-secret') },
      // Same JSON, different bytes: an HMAC over a re-serialized body would wrongly pass.
      { 'x-signature': signWebhookBody(JSON.stringify(JSON.parse(body)), SECRET) },
      {},
      { authorization: `Basic ${Buffer.from('verified:wrong').toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await deliver(body, headers);
      expect(res.statusCode).toBe(401);
      expect(errorOf(res).code).toBe('invalid_webhook_signature');
    }
    expect(await messageCount(t.kafka, t.topics.hints)).toBe(before);
  });

  it('a verified body that is not a webhook payload is a 400', async () => {
    const body = '{"Status": 1}';
    const res = await deliver(body, { 'x-signature': signWebhookBody(body, SECRET) });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details).toEqual([{ field: 'OperationId', reason: 'required' }]);
  });

  it('refuses a delivery stamped more than 5 minutes from now, either way, and publishes nothing', async () => {
    const before = await messageCount(t.kafka, t.topics.hints);
    for (const offsetMs of [-6 * 60_000, 6 * 60_000, -5 * 365 * 24 * 3600_000]) {
      const body = payload('op-window', 1, new Date(Date.now() + offsetMs));
      const res = await deliver(body, signed(body));
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({
        code: 'webhook_outside_window',
        details: [{ field: 'Timestamp', reason: 'more than 5 minutes from now' }],
      });
    }
    const late = payload('op-window', 1, new Date(Date.now() - 4 * 60_000));
    expect((await deliver(late, signed(late))).statusCode).toBe(204);
    expect(await messageCount(t.kafka, t.topics.hints)).toBe(before + 1);
  });

  it('refuses an exact replay inside the window with 409 webhook_replayed', async () => {
    const body = payload('op-replay');
    expect((await deliver(body, signed(body))).statusCode).toBe(204);
    const replay = await deliver(body, signed(body));
    expect(replay.statusCode).toBe(409);
    expect(errorOf(replay).code).toBe('webhook_replayed');
    // A new delivery for the same operation (another Timestamp) is not a replay.
    const next = payload('op-replay', 1, new Date(Date.now() + 1000));
    expect((await deliver(next, signed(next))).statusCode).toBe(204);
  });

  it('an operation id under __proto__ never reaches the payload', async () => {
    const body = '{"__proto__": {"OperationId": "op-proto"}, "Status": 1}';
    const res = await deliver(body, signed(body));
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details).toEqual([{ field: 'OperationId', reason: 'required' }]);
  });

  it('refuses an OperationId over 64 characters or outside [A-Za-z0-9._-]', async () => {
    for (const operationId of ['o'.repeat(65), 'op id', 'op/../x']) {
      const body = payload(operationId);
      const res = await deliver(body, signed(body));
      expect(res.statusCode, operationId).toBe(400);
      expect(errorOf(res).details.map((d) => d.field)).toEqual(['OperationId']);
    }
    const longest = payload('o'.repeat(64));
    expect((await deliver(longest, signed(longest))).statusCode).toBe(204);
  });
});

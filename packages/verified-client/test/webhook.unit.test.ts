import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature, webhookPayloadSchema } from '../src/webhook.js';

const secret = 'emulator-webhook-secret';
const body = JSON.stringify({ EventType: 1, OperationId: 'op-1', Status: 1 });
const good = createHmac('sha256', secret).update(body).digest('base64');

describe('verifyWebhookSignature', () => {
  it('accepts the HMAC-SHA256 base64 of the raw body, as string or Buffer', () => {
    expect(verifyWebhookSignature(body, good, secret)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), good, secret)).toBe(true);
    expect(signWebhookBody(body, secret)).toBe(good);
  });

  it('rejects a forged signature, a tampered body and a wrong secret', () => {
    const forged = createHmac('sha256', 'not-the-secret').update(body).digest('base64');
    expect(verifyWebhookSignature(body, forged, secret)).toBe(false);
    expect(verifyWebhookSignature(body.replace('"Status":1', '"Status":2'), good, secret)).toBe(false);
    expect(verifyWebhookSignature(body, good, 'other')).toBe(false);
  });

  it('rejects a missing, empty or malformed header without throwing', () => {
    expect(verifyWebhookSignature(body, undefined, secret)).toBe(false);
    expect(verifyWebhookSignature(body, '', secret)).toBe(false);
    expect(verifyWebhookSignature(body, 'not base64 !!', secret)).toBe(false);
    expect(verifyWebhookSignature(body, good.slice(0, 20), secret)).toBe(false);
    expect(verifyWebhookSignature(body, Buffer.alloc(16).toString('base64'), secret)).toBe(false);
    expect(verifyWebhookSignature(body, good, '')).toBe(false);
  });
});

describe('webhookPayloadSchema', () => {
  it('maps the PascalCase body to camelCase and keeps unknown fields out of the way', () => {
    const parsed = webhookPayloadSchema.parse({
      EventType: 3,
      OperationId: 'op-1',
      TransactionId: null,
      AccountNumber: 'acc-1',
      Name: 'GetForeignBiometry',
      Status: 1,
      Message: 'Operation has been accepted by the user.',
      Timestamp: '2026-01-01T00:00:00.06Z',
      SomethingNew: { nested: true },
    });
    expect(parsed).toMatchObject({
      eventType: 3,
      operationId: 'op-1',
      transactionId: null,
      accountNumber: 'acc-1',
      name: 'GetForeignBiometry',
      status: 1,
      message: 'Operation has been accepted by the user.',
      timestamp: '2026-01-01T00:00:00.06Z',
    });
  });

  it('tolerates camelCase keys, missing fields and numbers sent as strings', () => {
    const parsed = webhookPayloadSchema.parse({ operationId: 'op-2', status: '2' });
    expect(parsed).toMatchObject({
      operationId: 'op-2',
      status: 2,
      transactionId: null,
      accountNumber: null,
      eventType: null,
    });
  });

  it('rejects a body that is not an object', () => {
    expect(webhookPayloadSchema.safeParse('hello').success).toBe(false);
    expect(webhookPayloadSchema.safeParse([1, 2]).success).toBe(false);
  });
});

describe('webhookPayloadSchema against prototype keys', () => {
  it('reads nothing through __proto__, constructor or prototype', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'Constructor', 'Prototype']) {
      const parsed = webhookPayloadSchema.parse(
        JSON.parse(`{"${key}": {"OperationId": "op-x"}, "Status": 1}`),
      );
      expect(parsed.operationId, key).toBeNull();
    }
    expect(({} as { OperationId?: unknown }).OperationId).toBeUndefined();
  });

  it('bounds OperationId to 64 characters of A-Z a-z 0-9 . _ -', () => {
    expect(webhookPayloadSchema.safeParse({ OperationId: 'a'.repeat(64) }).success).toBe(true);
    expect(webhookPayloadSchema.safeParse({ OperationId: 'a'.repeat(65) }).success).toBe(false);
    expect(webhookPayloadSchema.safeParse({ OperationId: 'a b' }).success).toBe(false);
    expect(webhookPayloadSchema.safeParse({ OperationId: 'Op-1.2_3' }).success).toBe(true);
  });
});

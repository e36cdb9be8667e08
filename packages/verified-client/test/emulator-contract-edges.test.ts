// VerifiedClient against the emulator over real sockets: faults, webhooks and what never reaches a log line.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  verifyWebhookSignature,
  webhookPayloadSchema,
} from '../src/index.js';
import {
  API_KEY_VALUE,
  WEBHOOK_SECRET,
  control,
  client,
  logLines,
  store,
  makeClient,
  accountNumber,
  acceptedCapture,
} from './helpers/contract-fixture.js';

describe('contract: faults', () => {
  it('maps 5xx, 429 with Retry-After, and a hung request to their typed errors', async () => {
    const number = accountNumber();
    await control.scenario({ faults: { getAccount: { rate5xx: 1 } } });
    await expect(client.getAccount(number)).rejects.toSatisfy(
      (e) => e instanceof UpstreamUnavailableError && e.retryable && (e.httpStatus ?? 0) >= 500,
    );

    await control.scenario({ faults: { getAccount: { rate5xx: 0, rate429: 1, retryAfterSec: 7 } } });
    const limited = await client.getAccount(number).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 7000,
      httpStatus: 429,
    });

    await control.scenario({ faults: { getAccount: { rate429: 0, rateTimeout: 1 } } });
    const quick = makeClient({ timeoutMs: 300 });
    try {
      const timedOut = await quick.getAccount(number).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(UpstreamTimeoutError);
      expect(timedOut).toMatchObject({ code: 'upstream_timeout', retryable: true, endpoint: 'getAccount' });
    } finally {
      await quick.close();
    }

    await control.scenario({ faults: { getAccount: null } });
    expect(await client.getAccount(number)).toBeNull();
  });
});

describe('contract: webhooks', () => {
  let receiver: Server;
  let received: Array<{ headers: IncomingHttpHeaders; body: string }>;
  let receiverUrl: string;

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/verified`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('round-trips the webhook settings', async () => {
    const updated = await client.updateWebhookSettings({
      enabled: true,
      secretKey: 'rotated-secret',
      webHook: { url: receiverUrl, connectTimeout: 5 },
    });
    expect(updated).toMatchObject({
      enabled: true,
      secretKey: 'rotated-secret',
      webHook: { url: receiverUrl, connectTimeout: 5, authMode: 0 },
    });
    expect(await client.getWebhookSettings()).toMatchObject({
      enabled: true,
      secretKey: 'rotated-secret',
      webHook: { url: receiverUrl },
    });
  });

  it('tells a signed delivery from a forged or unsigned one', async () => {
    await client.updateWebhookSettings({
      enabled: true,
      secretKey: WEBHOOK_SECRET,
      webHook: { url: receiverUrl },
    });
    await control.scenario({ user: { outcome: 'never' } });
    const begun = await client.beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 3600,
      transportType: 0,
    });
    await control.complete(begun.operationId, 1);
    const delivery = await waitFor('the webhook delivery', () => received[0]);

    const signature = delivery.headers['x-signature'];
    expect(typeof signature).toBe('string');
    expect(verifyWebhookSignature(delivery.body, signature as string, WEBHOOK_SECRET)).toBe(true);
    expect(webhookPayloadSchema.parse(JSON.parse(delivery.body))).toMatchObject({
      operationId: begun.operationId,
      status: 1,
    });

    const forged = createHmac('sha256', 'attacker-guess').update(delivery.body).digest('base64');
    expect(verifyWebhookSignature(delivery.body, forged, WEBHOOK_SECRET)).toBe(false);
    expect(verifyWebhookSignature(delivery.body, undefined, WEBHOOK_SECRET)).toBe(false);
    const tampered = delivery.body.replace(begun.operationId, randomUUID());
    expect(verifyWebhookSignature(tampered, signature as string, WEBHOOK_SECRET)).toBe(false);
  });
});

describe('contract: redaction', () => {
  it('never logs tokens, the API key value, OneTimeSecret, TempId or image data over a full flow with failures', async () => {
    const image = Buffer.from(`selfie-bytes-${randomUUID()}`).toString('base64');
    const { begun, tempId } = await acceptedCapture(client);
    assert.ok(begun.oneTimeSecret);
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Redacted' });
    await client.createAccount({ accountNumber: number, displayName: 'Redacted' }).catch(() => undefined);
    await client.createProofedBiometricCredential(number, tempId);
    const other = accountNumber();
    await client.createAccount({ accountNumber: other, displayName: 'Import' });
    await client.createBiometricCredential(other, { data: image });
    await client.updateWebhookSettings({
      enabled: true,
      secretKey: WEBHOOK_SECRET,
      webHook: { url: 'http://127.0.0.1:9/x', password: 'hook-password' },
    });
    await control.advanceClock(901_000);
    await client.getAccount(number);
    await control.scenario({ faults: { getAccount: { rate5xx: 1 } } });
    await client.getAccount(number).catch(() => undefined);

    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.some((line) => line.includes('"level":"warn"'))).toBe(true);
    const output = logLines.join('\n');
    const secrets = [
      API_KEY_VALUE,
      begun.oneTimeSecret,
      tempId,
      image,
      WEBHOOK_SECRET,
      'hook-password',
      ...store.seen,
    ];
    expect(store.seen.size).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});

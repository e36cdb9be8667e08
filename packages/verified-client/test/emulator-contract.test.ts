import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { startEmulator, type RunningEmulator } from '@verified-onboard/verified-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AccountAlreadyExistsError,
  CredentialAlreadyExistsError,
  RateLimitedError,
  TempIdExpiredError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  VerifiedClient,
  captureUrl,
  verifyWebhookSignature,
  webhookPayloadSchema,
  type EndpointName,
  type VerifiedClientOptions,
} from '../src/index.js';
import { CapturingTokenStore } from './helpers/capturing-store.js';
import { emulatorControl } from './helpers/emulator-control.js';

const API_KEY_ID = 'contract-key-id';
const API_KEY_VALUE = 'contract-key-value-s3cr3t';
const WEBHOOK_SECRET = 'contract-webhook-secret';
const TEMPID_LIFETIME_MS = 72 * 60 * 60 * 1000;
// vitest types its asymmetric matchers `any`; as `unknown` they sit in expected objects without spreading `any`.
const anyString: unknown = expect.any(String);

let emulator: RunningEmulator;
let control: ReturnType<typeof emulatorControl>;
let client: VerifiedClient;
let calls: Array<{ endpoint: EndpointName; outcome: string }>;
let logLines: string[];
let store: CapturingTokenStore;

function makeClient(extra: Partial<VerifiedClientOptions> = {}): VerifiedClient {
  return new VerifiedClient({
    baseUrl: emulator.baseUrl,
    apiKeyId: API_KEY_ID,
    apiKeyValue: API_KEY_VALUE,
    timeoutMs: 5_000,
    tokenStore: store,
    onCall: (endpoint, outcome) => calls.push({ endpoint, outcome }),
    logger: {
      debug: (obj, msg) => logLines.push(JSON.stringify({ level: 'debug', ...obj, msg })),
      warn: (obj, msg) => logLines.push(JSON.stringify({ level: 'warn', ...obj, msg })),
    },
    ...extra,
  });
}

const accountNumber = () => `acc-${randomUUID()}`;
const outcomesOf = (endpoint: EndpointName) =>
  calls.filter((c) => c.endpoint === endpoint).map((c) => c.outcome);

async function acceptedCapture(c: VerifiedClient) {
  const begun = await c.beginForeignBiometry({ checkLiveness: true, timeoutSec: 3600, transportType: 0 });
  const done = await waitFor('the capture to finish', async () => {
    const op = await c.getForeignBiometry(begun.operationId);
    return op.status !== 0 && op;
  });
  const { tempId } = done;
  assert.ok(tempId, 'an accepted capture carries a TempId');
  return { begun, done, tempId };
}

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    apiKeyId: API_KEY_ID,
    apiKeyValue: API_KEY_VALUE,
    webhookSecret: WEBHOOK_SECRET,
  });
  control = emulatorControl(emulator.baseUrl);
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(async () => {
  await control.reset();
  calls = [];
  logLines = [];
  store = new CapturingTokenStore();
  client = makeClient();
});

afterEach(async () => {
  await client.close();
});

describe('contract: tokens', () => {
  it('authenticates once and shares the token across calls', async () => {
    await Promise.all([
      client.getAccount(accountNumber()),
      client.getAccount(accountNumber()),
      client.getWebhookSettings(),
    ]);
    expect((await control.stats()).calls.token).toBe(1);
    expect(outcomesOf('getAccount')).toEqual(['ok', 'ok']);
  });

  it('re-authenticates after a 401: expired token → refresh (once) → the call succeeds', async () => {
    await client.getWebhookSettings();
    await control.advanceClock(901_000); // past the emulator's 900 s access-token lifetime
    await client.getWebhookSettings();
    expect(outcomesOf('webhookSettings')).toEqual(['ok', 'upstream_unauthenticated', 'ok']);
    expect(outcomesOf('refresh')).toEqual(['ok']);
    const stats = await control.stats();
    expect(stats.calls).toMatchObject({ token: 1, refresh: 1 });
  });

  it('falls back to the API key when the refresh token is no longer accepted', async () => {
    await client.getWebhookSettings();
    await control.advanceClock(25 * 60 * 60 * 1000); // past the refresh token's lifetime too
    await client.getWebhookSettings();
    expect(outcomesOf('refresh')).toEqual(['upstream_unauthenticated']);
    expect(outcomesOf('token')).toEqual(['ok', 'ok']);
    expect(outcomesOf('webhookSettings').at(-1)).toBe('ok');
  });

  it('refreshes before expiry with a short tokenTtlSec, each refresh token used once', async () => {
    await control.scenario({ tokenTtlSec: 1 });
    await waitFor('two proactive refreshes', async () => {
      await client.getWebhookSettings();
      return outcomesOf('refresh').length >= 2;
    });
    expect(outcomesOf('refresh').every((o) => o === 'ok')).toBe(true);
    expect(outcomesOf('webhookSettings').at(-1)).toBe('ok');
    expect((await control.stats()).calls.token).toBe(1);
  });
});

describe('contract: accounts and credentials', () => {
  it('returns null for a missing account, creates one, and reports a duplicate with the upstream ID kept', async () => {
    const number = accountNumber();
    expect(await client.getAccount(number)).toBeNull();
    const created = await client.createAccount({
      accountNumber: number,
      displayName: 'Ada Lovelace',
      email: 'ada@example.org',
    });
    expect(created).toMatchObject({ accountNumber: number, displayName: 'Ada Lovelace' });
    expect(await client.getAccount(number)).toMatchObject({
      accountNumber: number,
      displayName: 'Ada Lovelace',
      email: 'ada@example.org',
    });

    const duplicate = await client
      .createAccount({ accountNumber: number, displayName: 'Someone else' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(AccountAlreadyExistsError);
    expect(duplicate).toMatchObject({
      code: 'account_exists',
      upstreamId: 'E_ACCOUNT_ALREADY_EXISTS',
      retryable: false,
      endpoint: 'createAccount',
    });
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ accountNumber: number, createAttempts: 2, credentials: 0 }),
    ]);
  });

  it('runs the capture flow: begin → poll → account → proofed credential; a second credential is a duplicate', async () => {
    const { begun, done, tempId } = await acceptedCapture(client);
    assert.ok(typeof begun.oneTimeSecret === 'string');
    expect(captureUrl(emulator.baseUrl, 'operation', begun.operationId, begun.oneTimeSecret)).toContain(
      `?i=${begun.operationId}&s=`,
    );
    expect(done).toMatchObject({ operationId: begun.operationId, status: 1, tempId: anyString });

    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Grace Hopper' });
    await client.createProofedBiometricCredential(number, tempId);
    const again = await client.createProofedBiometricCredential(number, tempId).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CredentialAlreadyExistsError);
    expect(again).toMatchObject({
      code: 'credential_exists',
      upstreamId: 'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS',
    });
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ accountNumber: number, credentials: 1, credentialKind: 'proofed' }),
    ]);
  });

  it('runs the import flow and deletes idempotently', async () => {
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Imported' });
    await client.createBiometricCredential(number, {
      data: Buffer.from('fake jpeg bytes').toString('base64'),
      description: 'import',
    });
    await expect(
      client.createBiometricCredential(number, { data: Buffer.from('other').toString('base64') }),
    ).rejects.toBeInstanceOf(CredentialAlreadyExistsError);
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ credentials: 1, credentialKind: 'biometric' }),
    ]);
    await client.deleteBiometricCredential(number);
    await client.deleteBiometricCredential(number);
    expect(await control.accounts()).toEqual([expect.objectContaining({ credentials: 0 })]);
    await client.deleteAccount(number);
    await client.deleteAccount(number);
    expect(await client.getAccount(number)).toBeNull();
  });

  it('runs the recapture flow on v2 operations: create → status → result TempId → credential', async () => {
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Recapture' });
    const created = await client.createOperation({
      accountNumber: number,
      name: 'GetForeignBiometry',
      timeoutSec: 3600,
      transportType: 0,
      tag: 'e-1',
    });
    expect(created).toEqual({ operationId: anyString, oneTimeSecret: anyString });
    const status = await waitFor('the operation to finish', async () => {
      const s = await client.getOperationStatus(created.operationId);
      return s.status !== 0 && s;
    });
    expect(status.status).toBe(1);
    const result = await client.getOperationResult(created.operationId);
    expect(result).toMatchObject({
      operationId: created.operationId,
      name: 'GetForeignBiometry',
      tempId: anyString,
    });
    assert.ok(result.tempId);
    await client.createProofedBiometricCredential(number, result.tempId);
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ credentials: 1, credentialKind: 'proofed' }),
    ]);
  });

  it('reports an expired TempId as TempIdExpiredError', async () => {
    const { tempId } = await acceptedCapture(client);
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Late' });
    await control.advanceClock(TEMPID_LIFETIME_MS + 60_000);
    const error = await client.createProofedBiometricCredential(number, tempId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempIdExpiredError);
    expect(error).toMatchObject({ code: 'tempid_expired', retryable: false, upstreamId: 'E_TEMPID_EXPIRED' });
  });

  it('returns no OneTimeSecret for SMS and email transports', async () => {
    const sms = await client.beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 600,
      transportType: 1,
      phoneNumber: '+15555550100',
    });
    const email = await client.beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 600,
      transportType: 2,
      email: 'x@example.org',
    });
    expect(sms).toMatchObject({ operationId: anyString, oneTimeSecret: null, status: 0 });
    expect(email).toMatchObject({ operationId: anyString, oneTimeSecret: null, status: 0 });
  });
});

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

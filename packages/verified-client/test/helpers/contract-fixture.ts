// The contract tests' shared emulator (one per file) and a fresh client, token store, call log and log lines
// per test. The `let` exports are live bindings: each test reads the ones its beforeEach set.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { startEmulator, type RunningEmulator } from '@verified-onboard/verified-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { VerifiedClient, type EndpointName, type VerifiedClientOptions } from '../../src/index.js';
import { CapturingTokenStore } from './capturing-store.js';
import { emulatorControl } from './emulator-control.js';

export const API_KEY_ID = 'contract-key-id';
export const API_KEY_VALUE = 'contract-key-value-s3cr3t';
export const WEBHOOK_SECRET = 'contract-webhook-secret';
export const TEMPID_LIFETIME_MS = 72 * 60 * 60 * 1000;
// vitest types its asymmetric matchers `any`; as `unknown` they sit in expected objects without spreading `any`.
export const anyString: unknown = expect.any(String);

export let emulator: RunningEmulator;
export let control: ReturnType<typeof emulatorControl>;
export let client: VerifiedClient;
export let calls: Array<{ endpoint: EndpointName; outcome: string }>;
export let logLines: string[];
export let store: CapturingTokenStore;

export function makeClient(extra: Partial<VerifiedClientOptions> = {}): VerifiedClient {
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

export const accountNumber = () => `acc-${randomUUID()}`;
export const outcomesOf = (endpoint: EndpointName) =>
  calls.filter((c) => c.endpoint === endpoint).map((c) => c.outcome);

export async function acceptedCapture(c: VerifiedClient) {
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

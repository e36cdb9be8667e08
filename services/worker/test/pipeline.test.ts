import { sharedKeys } from '@verified-onboard/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { keysMatching, waitFor } from '@verified-onboard/devstack';
import {
  ENROLLMENT_STATUSES,
  EVENT_TYPES,
  Keyring,
  ProjectionRebuild,
  ReadModel,
  SelfieVault,
  topicNames,
  type EnrollmentState,
} from '@verified-onboard/events';
import { verifyWebhookSignature, VerifiedClient } from '@verified-onboard/verified-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjection } from '../src/consumers/projector.js';
import type { RunningWorker } from '../src/worker-app.js';
import {
  emulatorAccounts,
  LogCapture,
  opsRetry,
  upstreamCalls,
  useHarness,
  useWebhookStandIn,
  type Harness,
} from './support/harness.js';

const WEBHOOK_SECRET = 'worker-test-webhook-secret';
/** Imported by the secrets test: its base64 must never reach a log line. */
const SELFIE_BYTES = Buffer.from('selfie-bytes');

/** Event types of a completed enrollment's stream, by their EVENT_TYPES keys. */
const stream = (...keys: (keyof typeof EVENT_TYPES)[]) => keys.map((key) => EVENT_TYPES[key]);
const COMPLETED_STREAM = {
  capture: stream(
    'requested',
    'captureStarted',
    'captureCompleted',
    'accountCreated',
    'credentialAttached',
    'completed',
  ),
  import: stream('requested', 'accountCreated', 'credentialAttached', 'completed'),
  recapture: stream('requested', 'captureStarted', 'captureCompleted', 'credentialAttached', 'completed'),
};

describe('worker pipeline against the emulator', () => {
  const h = useHarness('worker-pipeline');
  const logs = new LogCapture();
  const webhookDeliveries: Array<{ body: string; signature: string | undefined; operationId: string }> = [];
  // A stand-in for the api's webhook route: proves registration (and signing) without feeding hints back.
  const webhook = useWebhookStandIn((body, signature) => {
    const { OperationId } = JSON.parse(body) as { OperationId: string };
    webhookDeliveries.push({ body, signature, operationId: OperationId });
  });
  let worker: RunningWorker;
  const enrollments: string[] = [];
  const operationIds: string[] = [];

  beforeAll(async () => {
    worker = await h.startWorker(
      {
        WEBHOOK_PUBLIC_URL: webhook.url(),
        VERIFIED_WEBHOOK_SECRET: WEBHOOK_SECRET,
        WORKER_JOB_ATTEMPTS: '3',
      },
      { logger: logs.logger('debug') },
    );
  });

  /** Every test sets the whole scenario it relies on, so that none depends on what an earlier one left. */
  async function scenario(
    user: { outcome: 'accept' | 'never'; afterMs: number } = { outcome: 'accept', afterMs: 0 },
    options: { webhookDropRate?: number; createAccountFails?: boolean } = {},
  ) {
    await h.scenario({
      user,
      webhook: { enabled: true, dropRate: options.webhookDropRate ?? 0 },
      faults: { createAccount: options.createAccountFails ? { rate5xx: 1 } : null },
    });
  }

  async function submit(overrides: Parameters<Harness['request']>[0] = {}) {
    const event = await h.request(overrides);
    enrollments.push(event.subject);
    await h.publishEnrollment(event);
    return event;
  }

  async function submitImport(image: Buffer, overrides: Parameters<Harness['request']>[0] = {}) {
    const vault = new SelfieVault(h.redis, {
      prefix: sharedKeys(h.names.queuePrefix).selfieVault,
      key: Keyring.from(h.config().keyring),
    });
    const stored = await vault.put(image.toString('base64'));
    return submit({
      mode: 'import',
      selfie: { ref: stored.ref, digest: stored.digest, dataType: 1 },
      ...overrides,
    });
  }

  async function operationIdOf(enrollmentId: string): Promise<string> {
    const s = await h.waitForStatus(
      enrollmentId,
      ENROLLMENT_STATUSES.filter((status) => status !== 'requested'),
    );
    assert.ok(s.operationId);
    operationIds.push(s.operationId);
    return s.operationId;
  }

  async function completedCapture() {
    const e = await submit({ mode: 'capture' });
    await h.waitForStatus(e.subject, ['completed']);
    await operationIdOf(e.subject);
    return e;
  }

  /** An enrollment whose account step fails every attempt; the fault stays until the caller clears it. */
  async function failedAtAccount() {
    await scenario(undefined, { createAccountFails: true });
    const e = await submit();
    const failed = await h.waitForStatus(e.subject, ['failed']);
    return { e, failed };
  }

  it('registers the webhook at start with the configured secret', async () => {
    await scenario();
    await completedCapture();
    const delivery = await waitFor('a webhook delivery', () => webhookDeliveries[0]);
    expect(verifyWebhookSignature(delivery.body, delivery.signature, WEBHOOK_SECRET)).toBe(true);
  });

  it('capture: completes with exactly one account and one proofed credential', async () => {
    await scenario({ outcome: 'accept', afterMs: 200 });
    const e = await submit({ mode: 'capture' });
    const s = await h.waitForStatus(e.subject, ['completed']);
    await operationIdOf(e.subject);
    const events = await h.readModel.events(e.subject);
    expect(events.map((x) => x.type)).toEqual(COMPLETED_STREAM.capture);
    expect(events.map((x) => x.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((x) => x.correlationid === e.correlationid)).toBe(true);
    // The causation chain links each event to the one before it.
    expect(events.slice(1).map((x) => x.causationid)).toEqual(events.slice(0, -1).map((x) => x.id));
    const account = (await emulatorAccounts(h)).get(e.data.accountNumber);
    expect(account).toMatchObject({ credentials: 1, credentialKind: 'proofed' });
    expect(s.status).toBe('completed');
    // Secrets have no use after completion and are gone.
    expect(await h.redis.exists(h.keys.tempIdSecret(e.subject))).toBe(0);
  });

  it('import: completes from the stored selfie with a biometric credential', async () => {
    await scenario();
    const e = await submitImport(Buffer.from(`not-really-a-jpeg-${randomUUID()}`));
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types).toEqual(COMPLETED_STREAM.import);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({
      credentials: 1,
      credentialKind: 'biometric',
    });
  });

  it('recapture: replaces the credential of an existing account (one account, one credential)', async () => {
    await scenario();
    const first = await completedCapture();
    const again = await submit({
      mode: 'recapture',
      accountNumber: first.data.accountNumber,
      accountNumberGenerated: false,
    });
    await h.waitForStatus(again.subject, ['completed']);
    await operationIdOf(again.subject);
    const events = await h.readModel.events(again.subject);
    expect(events.map((x) => x.type)).toEqual(COMPLETED_STREAM.recapture);
    expect(events.find((x) => x.type === EVENT_TYPES.credentialAttached)?.data).toMatchObject({
      replacedPrevious: true,
      kind: 'proofed',
    });
    const account = (await emulatorAccounts(h)).get(first.data.accountNumber);
    expect(account).toMatchObject({ createAttempts: 1, credentials: 1, credentialCreates: 2 });
  });

  it('records the tenant that created an account as its owner (events from before tenants: default)', async () => {
    await scenario();
    const tenanted = await submit({ mode: 'capture', tenant: 'acme', requestedBy: 'acme-key' });
    const legacy = await submit({ mode: 'capture' });
    await h.waitForStatus(tenanted.subject, ['completed']);
    await h.waitForStatus(legacy.subject, ['completed']);
    expect(await h.redis.get(h.keys.accountOwner(tenanted.data.accountNumber))).toBe('acme');
    expect(await h.redis.get(h.keys.accountOwner(legacy.data.accountNumber))).toBe('default');
  });

  /** Every key under `pattern` with every value it holds, whatever its type, as one text. */
  async function dumpRedis(pattern: string): Promise<string> {
    const parts: string[] = [];
    for (const key of await keysMatching(h.redis, pattern)) {
      const type = await h.redis.type(key);
      let values: unknown;
      if (type === 'string') values = (await h.redis.getBuffer(key))?.toString('latin1');
      else if (type === 'hash') values = await h.redis.hgetall(key);
      else if (type === 'list') values = await h.redis.lrange(key, 0, -1);
      else if (type === 'set') values = await h.redis.smembers(key);
      else if (type === 'zset') values = await h.redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'stream') values = await h.redis.xrange(key, '-', '+');
      parts.push(`${key} ${JSON.stringify(values)}`);
    }
    return parts.join('\n');
  }

  /** How many of `keys` exist, one EXISTS a key: they sit in different Redis Cluster hash slots. */
  async function existing(keys: string[]): Promise<number> {
    const found = await Promise.all(keys.map((key) => h.redis.exists(key)));
    return found.reduce((sum, n) => sum + n, 0);
  }

  /** A terminal enrollment keeps neither its TempId nor its capture URL (the step runner deletes both). */
  async function secretsForgotten(enrollmentId: string) {
    await waitFor(
      `the TempId and capture URL of ${enrollmentId} deleted`,
      async () =>
        (await existing([h.keys.tempIdSecret(enrollmentId), h.keys.captureUrlSecret(enrollmentId)])) === 0,
    );
  }

  it('a capture that fails for good (account conflict) forgets its TempId and capture URL', async () => {
    await scenario();
    const accountNumber = `taken-${randomUUID()}`;
    const client = new VerifiedClient({
      baseUrl: h.emulator.baseUrl,
      apiKeyId: 'emulator-key-id',
      apiKeyValue: 'emulator-key-value',
    });
    await client.createAccount({ accountNumber, displayName: 'Someone else' });
    await client.close();
    const e = await submit({ mode: 'capture', accountNumber, accountNumberGenerated: false });
    const s = await h.waitForStatus(e.subject, ['failed']);
    expect(s.failure).toMatchObject({ step: 'account', code: 'account_conflict', retryable: false });
    expect(s.operationId).toBeDefined();
    await secretsForgotten(e.subject);
  });

  it('upstream statuses 2..5 end in rejected, expired, errored and canceled', async () => {
    await scenario({ outcome: 'never', afterMs: 0 });
    const expected = { 2: 'rejected', 3: 'expired', 4: 'errored', 5: 'canceled' } as const;
    const submitted = await Promise.all(
      ([2, 3, 4, 5] as const).map(async (status) => ({ status, event: await submit() })),
    );
    for (const { status, event } of submitted) {
      const op = await operationIdOf(event.subject);
      // The api serves the capture URL from here, sealed under its key; it lives until the operation times out.
      const urlKey = h.keys.captureUrlSecret(event.subject);
      const sealed = await h.redis.get(urlKey);
      assert.ok(sealed);
      expect(sealed).not.toMatch(/http|[?&]s=/); // base64 itself may end in "s="
      expect(Keyring.from(h.config().keyring).openText(sealed, urlKey)).toMatch(
        new RegExp(`^${h.emulator.baseUrl}/?\\?i=${op}&s=.+`),
      );
      expect(await h.redis.pttl(urlKey)).toBeGreaterThan(3_000_000);
      await h.control('POST', `/_emulator/operations/${op}/complete`, {
        Status: status,
        Message: `forced ${status}`,
      });
    }
    for (const { status, event } of submitted) {
      const s = await h.waitForStatus(event.subject, [expected[status]]);
      expect(s.upstreamStatus).toBe(status);
      expect((await emulatorAccounts(h)).has(event.data.accountNumber)).toBe(false);
      await secretsForgotten(event.subject);
    }
  });

  it('a capture nobody answers reaches expired', async () => {
    await scenario({ outcome: 'never', afterMs: 0 });
    const e = await submit({ timeoutSec: 1 });
    const s = await h.waitForStatus(e.subject, ['expired']);
    expect(s.upstreamStatus).toBe(3);
    await operationIdOf(e.subject);
    await secretsForgotten(e.subject);
  });

  it('with webhooks dropped, polling alone completes the enrollment', async () => {
    await scenario({ outcome: 'accept', afterMs: 300 }, { webhookDropRate: 1 });
    const e = await submit();
    await h.waitForStatus(e.subject, ['completed']);
    const op = await operationIdOf(e.subject);
    expect(webhookDeliveries.filter((d) => d.operationId === op)).toEqual([]);
  });

  it('an account that exists and is not ours fails the enrollment with account_conflict', async () => {
    await scenario();
    const accountNumber = `taken-${randomUUID()}`;
    const client = new VerifiedClient({
      baseUrl: h.emulator.baseUrl,
      apiKeyId: 'emulator-key-id',
      apiKeyValue: 'emulator-key-value',
    });
    await client.createAccount({ accountNumber, displayName: 'Someone else' });
    await client.close();
    const e = await submitImport(Buffer.from(`selfie-${randomUUID()}`), {
      accountNumber,
      accountNumberGenerated: false,
    });
    const s = await h.waitForStatus(e.subject, ['failed']);
    expect(s.failure).toMatchObject({
      step: 'account',
      code: 'account_conflict',
      retryable: false,
      attempts: 1,
    });
    expect((await emulatorAccounts(h)).get(accountNumber)).toMatchObject({ credentials: 0 });
  });

  it('exhausted retries emit one failed event; an ops retry resumes at the failed step only', async () => {
    const { e, failed } = await failedAtAccount();
    expect(failed.failure).toMatchObject({
      step: 'account',
      code: 'upstream_unavailable',
      retryable: true,
      attempts: 3,
    });
    // A retryable failure keeps the TempId: the retry's credential step needs it.
    const tempId = await h.redis.get(h.keys.tempIdSecret(e.subject));
    assert.ok(tempId);
    expect(tempId).not.toContain('tempId');
    const beginCalls = await upstreamCalls(h, 'beginBiometry');

    await scenario();
    const retried = opsRetry(e, failed, 'account', 'upstream recovered');
    await h.publishEnrollment(retried);
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types.filter((t) => t === EVENT_TYPES.failed)).toHaveLength(1);
    expect(types.filter((t) => t === EVENT_TYPES.captureStarted)).toHaveLength(1);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(beginCalls);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
  });

  it('serves metrics and health', async () => {
    // What the metrics below count: a completed capture and an account step that failed upstream.
    await scenario();
    await completedCapture();
    await failedAtAccount();
    await scenario();
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/verified_upstream_calls_total\{endpoint="beginBiometry",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(
      /verified_upstream_calls_total\{endpoint="createAccount",outcome="upstream_unavailable"\} [1-9]/,
    );
    expect(metrics).toMatch(/worker_jobs\{queue="steps",state="completed"\} [1-9]/);
    expect(metrics).toMatch(/worker_jobs\{queue="steps",state="parked"\} \d+/);
    expect(metrics).toMatch(/worker_parked_polls_overdue_seconds \d/);
    expect(metrics).toMatch(/enrollment_polls_count [1-9]/);
    expect(metrics).toMatch(/enrollment_duration_seconds_count\{mode="capture",status="completed"\} [1-9]/);
    const health = await fetch(`http://127.0.0.1:${worker.metricsPort}/healthz`);
    expect(health.status).toBe(200);
  });

  it('the projection rebuilt from offset zero equals the live one', async () => {
    await scenario();
    await completedCapture();
    const live = new Map<string, EnrollmentState | null>();
    for (const id of enrollments) live.set(id, await h.readModel.get(id));
    const prefix = `${h.names.queuePrefix}-rebuild:`;
    const stats = await rebuildProjection(h.config(), {
      prefix,
      logger: logs.logger('warn'),
      timeoutMs: 30_000,
    });
    expect(stats.applied).toBeGreaterThan(0);
    const rebuilt = new ReadModel(h.redis, { prefix });
    for (const id of enrollments) {
      expect(await rebuilt.get(id)).toEqual(live.get(id));
      expect(await rebuilt.events(id)).toEqual(await h.readModel.events(id));
    }

    // An ops rebuild switches readers to a new keyspace: the live projector feeds it during the rebuild and follows it after.
    const rebuild = new ProjectionRebuild(h.redis, h.kafka, {
      basePrefix: sharedKeys(h.names.queuePrefix).readModelBase,
      topic: topicNames(h.names.topicPrefix).enrollmentEvents,
      observeMs: 1500,
    });
    const { done } = await rebuild.start('test');
    const finished = await done;
    expect(finished.state).toBe('completed');
    const switched = new ReadModel(h.redis, { prefix: finished.targetPrefix });
    for (const id of enrollments) expect(await switched.get(id)).toEqual(live.get(id));
    const e = await submit();
    await waitFor(
      'the new enrollment in the switched keyspace',
      async () => (await switched.get(e.subject))?.status === 'completed',
    );
  });

  it('keeps no capture URL, TempId, OneTimeSecret or vendor token in clear anywhere under its Redis prefix', async () => {
    const { e: failed } = await failedAtAccount(); // retryable: its TempId stays for the retry
    await scenario({ outcome: 'never', afterMs: 0 });
    const pending = await submit(); // capture_pending: its capture URL stays until the operation times out
    const ops = [await operationIdOf(failed.subject), await operationIdOf(pending.subject)];
    const stored = [h.keys.tempIdSecret(failed.subject), h.keys.captureUrlSecret(pending.subject)];
    await waitFor('the TempId and the capture URL stored', async () => (await existing(stored)) === 2);
    const [pairKey] = await keysMatching(h.redis, `${sharedKeys(h.names.queuePrefix).upstreamTokens}*:pair`);
    assert.ok(pairKey, 'the vendor token pair is cached in Redis');
    const sealedAccess = await h.redis.hget(pairKey, 'accessToken');
    assert.ok(sealedAccess);
    const accessToken = Keyring.from(h.config().keyring).openText(sealedAccess, `${pairKey}#access`);
    assert.ok(accessToken);

    const secrets = [accessToken];
    for (const op of ops) {
      const record = await h.control<Record<string, unknown>>('GET', `/_emulator/operations/${op}`);
      for (const [field, value] of Object.entries(record))
        if (/secret|tempid/i.test(field) && typeof value === 'string' && value.length > 0)
          secrets.push(value);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(4); // the token, both OneTimeSecrets, the TempId
    // The key namespace and the queue's own keys (BullMQ's prefix is the hash-tagged `{prefix}`).
    const dump = [
      await dumpRedis(`${h.names.queuePrefix}:*`),
      await dumpRedis(`${h.config().queuePrefix}:*`),
    ].join('\n');
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(dump).not.toMatch(/[?&]s=/);
    await scenario();
  });

  it('never writes a OneTimeSecret, TempId, token or selfie to the logs', async () => {
    await scenario();
    const imported = await submitImport(SELFIE_BYTES);
    await Promise.all([completedCapture(), completedCapture(), completedCapture(), completedCapture()]);
    await h.waitForStatus(imported.subject, ['completed']);
    const text = logs.text();
    expect(text).toContain('step done');
    expect(operationIds.length).toBeGreaterThan(3);
    for (const op of operationIds) {
      const record = await h.control<Record<string, unknown>>('GET', `/_emulator/operations/${op}`);
      const secrets = Object.entries(record)
        .filter(([k, v]) => /secret|tempid/i.test(k) && typeof v === 'string' && v.length > 0)
        .map(([, v]) => v as string);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/Bearer\s/);
    expect(text).not.toContain(SELFIE_BYTES.toString('base64'));
    expect(text).not.toMatch(/[?&]s=/);
  });
});

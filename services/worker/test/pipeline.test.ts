import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  createEvent,
  EVENT_TYPES,
  ProjectionRebuild,
  ReadModel,
  SelfieVault,
  topicNames,
  type EnrollmentState,
} from '@verified-onboard/events';
import { verifyWebhookSignature, VerifiedClient } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjection } from '../src/consumers/projector.js';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import {
  createHarness,
  emulatorAccounts,
  LogCapture,
  TEST_SOURCE,
  waitFor,
  type Harness,
} from './support/harness.js';

const WEBHOOK_SECRET = 'worker-test-webhook-secret';

describe('worker pipeline against the emulator', () => {
  let h: Harness;
  let worker: RunningWorker;
  const logs = new LogCapture();
  let webhookServer: Server;
  const webhookDeliveries: Array<{ body: string; signature: string | undefined }> = [];
  const enrollments: string[] = [];
  const operationIds: string[] = [];

  beforeAll(async () => {
    h = await createHarness('worker-pipeline');
    // A stand-in for the api's webhook route: proves registration (and signing) without feeding hints back.
    webhookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        webhookDeliveries.push({ body, signature: req.headers['x-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/v1/webhooks/verified`;
    worker = await startWorker(
      h.config({
        WEBHOOK_PUBLIC_URL: url,
        VERIFIED_WEBHOOK_SECRET: WEBHOOK_SECRET,
        WORKER_JOB_ATTEMPTS: '3',
      }),
      {
        logger: logs.logger('debug'),
      },
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await new Promise<void>((resolve) => webhookServer?.close(() => resolve()));
    await h?.close();
  });

  async function submit(overrides: Parameters<Harness['request']>[0] = {}) {
    const event = await h.request(overrides);
    enrollments.push(event.subject);
    await h.publishEnrollment(event);
    return event;
  }

  async function operationIdOf(enrollmentId: string): Promise<string> {
    const s = await h.waitForStatus(enrollmentId, [
      'capture_pending',
      'captured',
      'account_created',
      'completed',
      'rejected',
      'expired',
      'errored',
      'canceled',
      'failed',
    ]);
    expect(s.operationId).toBeTruthy();
    operationIds.push(s.operationId!);
    return s.operationId!;
  }

  it('registers the webhook at start with the configured secret', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, webhook: { enabled: true, dropRate: 0 } });
    const e = await submit();
    await h.waitForStatus(e.subject, ['completed']);
    await waitFor('a webhook delivery', async () => webhookDeliveries.length > 0);
    const delivery = webhookDeliveries[0]!;
    expect(verifyWebhookSignature(delivery.body, delivery.signature, WEBHOOK_SECRET)).toBe(true);
  });

  it('capture: completes with exactly one account and one proofed credential', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 200 } });
    const e = await submit({ mode: 'capture' });
    const s = await h.waitForStatus(e.subject, ['completed']);
    await operationIdOf(e.subject);
    const events = await h.readModel.events(e.subject);
    expect(events.map((x) => x.type)).toEqual([
      EVENT_TYPES.requested,
      EVENT_TYPES.captureStarted,
      EVENT_TYPES.captureCompleted,
      EVENT_TYPES.accountCreated,
      EVENT_TYPES.credentialAttached,
      EVENT_TYPES.completed,
    ]);
    expect(events.map((x) => x.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((x) => x.correlationid === e.correlationid)).toBe(true);
    // The causation chain links each event to the one before it.
    for (let i = 1; i < events.length; i++) expect(events[i]!.causationid).toBe(events[i - 1]!.id);
    const account = (await emulatorAccounts(h)).get(e.data.accountNumber);
    expect(account).toMatchObject({ credentials: 1, credentialKind: 'proofed' });
    expect(s.status).toBe('completed');
    // Secrets have no use after completion and are gone.
    expect(await h.redis.exists(`${h.names.queuePrefix}:secret:tempid:${e.subject}`)).toBe(0);
  });

  it('import: completes from the stored selfie with a biometric credential', async () => {
    const vault = new SelfieVault(h.redis, {
      prefix: `${h.names.queuePrefix}:`,
      key: h.config().selfieEncryptionKey,
    });
    const image = Buffer.from(`not-really-a-jpeg-${randomUUID()}`).toString('base64');
    const stored = await vault.put(image);
    const e = await submit({
      mode: 'import',
      selfie: { ref: stored.ref, digest: stored.digest, dataType: 1 },
    });
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types).toEqual([
      EVENT_TYPES.requested,
      EVENT_TYPES.accountCreated,
      EVENT_TYPES.credentialAttached,
      EVENT_TYPES.completed,
    ]);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({
      credentials: 1,
      credentialKind: 'biometric',
    });
  });

  it('recapture: replaces the credential of an existing account (one account, one credential)', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const first = await submit({ mode: 'capture' });
    await h.waitForStatus(first.subject, ['completed']);
    const again = await submit({
      mode: 'recapture',
      accountNumber: first.data.accountNumber,
      accountNumberGenerated: false,
    });
    await h.waitForStatus(again.subject, ['completed']);
    await operationIdOf(again.subject);
    const events = await h.readModel.events(again.subject);
    expect(events.map((x) => x.type)).toEqual([
      EVENT_TYPES.requested,
      EVENT_TYPES.captureStarted,
      EVENT_TYPES.captureCompleted,
      EVENT_TYPES.credentialAttached,
      EVENT_TYPES.completed,
    ]);
    expect(events.find((x) => x.type === EVENT_TYPES.credentialAttached)?.data).toMatchObject({
      replacedPrevious: true,
      kind: 'proofed',
    });
    const account = (await emulatorAccounts(h)).get(first.data.accountNumber);
    expect(account).toMatchObject({ createAttempts: 1, credentials: 1, credentialCreates: 2 });
  });

  it('upstream statuses 2..5 end in rejected, expired, errored and canceled', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const expected: Record<number, string> = { 2: 'rejected', 3: 'expired', 4: 'errored', 5: 'canceled' };
    const submitted = await Promise.all(
      [2, 3, 4, 5].map(async (status) => ({ status, event: await submit() })),
    );
    for (const { status, event } of submitted) {
      const op = await operationIdOf(event.subject);
      // The api serves the capture URL from here; it lives until the operation times out.
      const urlKey = `${h.names.queuePrefix}:secret:capture-url:${event.subject}`;
      expect(await h.redis.get(urlKey)).toMatch(new RegExp(`^${h.emulator.baseUrl}/?\\?i=${op}&s=.+`));
      expect(await h.redis.pttl(urlKey)).toBeGreaterThan(3_000_000);
      await h.control('POST', `/_emulator/operations/${op}/complete`, {
        Status: status,
        Message: `forced ${status}`,
      });
    }
    for (const { status, event } of submitted) {
      const s = await h.waitForStatus(event.subject, [expected[status]!]);
      expect(s.upstreamStatus).toBe(status);
      expect((await emulatorAccounts(h)).has(event.data.accountNumber)).toBe(false);
    }
  });

  it('a capture nobody answers reaches expired', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await submit({ timeoutSec: 1 });
    const s = await h.waitForStatus(e.subject, ['expired']);
    expect(s.upstreamStatus).toBe(3);
    await operationIdOf(e.subject);
  });

  it('with webhooks dropped, polling alone completes the enrollment', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 300 }, webhook: { enabled: true, dropRate: 1 } });
    const before = webhookDeliveries.length;
    const e = await submit();
    await h.waitForStatus(e.subject, ['completed']);
    await operationIdOf(e.subject);
    expect(webhookDeliveries.length).toBe(before);
  });

  it('an account that exists and is not ours fails the enrollment with account_conflict', async () => {
    const accountNumber = `taken-${randomUUID()}`;
    const client = new VerifiedClient({
      baseUrl: h.emulator.baseUrl,
      apiKeyId: 'emulator-key-id',
      apiKeyValue: 'emulator-key-value',
    });
    await client.createAccount({ accountNumber, displayName: 'Someone else' });
    await client.close();
    const vault = new SelfieVault(h.redis, {
      prefix: `${h.names.queuePrefix}:`,
      key: h.config().selfieEncryptionKey,
    });
    const stored = await vault.put(Buffer.from('selfie-bytes').toString('base64'));
    const e = await submit({
      mode: 'import',
      accountNumber,
      accountNumberGenerated: false,
      selfie: { ref: stored.ref, digest: stored.digest, dataType: 1 },
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
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, faults: { createAccount: { rate5xx: 1 } } });
    const e = await submit();
    const failed = await h.waitForStatus(e.subject, ['failed']);
    expect(failed.failure).toMatchObject({
      step: 'account',
      code: 'upstream_unavailable',
      retryable: true,
      attempts: 3,
    });
    const beginCalls = (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls
      .beginBiometry;

    await h.scenario({ faults: { createAccount: null } });
    const retried = createEvent({
      type: EVENT_TYPES.retried,
      subject: e.subject,
      sequence: failed.version + 1,
      data: { step: 'account', reason: 'upstream recovered', requestedBy: 'test' },
      source: TEST_SOURCE,
      correlationId: e.correlationid,
      causationId: failed.lastEventId,
      discriminator: failed.version + 1,
    });
    await h.publishEnrollment(retried);
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types.filter((t) => t === EVENT_TYPES.failed)).toHaveLength(1);
    expect(types.filter((t) => t === EVENT_TYPES.captureStarted)).toHaveLength(1);
    expect(
      (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls.beginBiometry,
    ).toBe(beginCalls);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
  });

  it('serves metrics and health', async () => {
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
      basePrefix: `${h.names.queuePrefix}:`,
      topic: topicNames(h.names.topicPrefix).enrollmentEvents,
      observeMs: 1500,
    });
    const { done } = await rebuild.start('test');
    const finished = await done;
    expect(finished.state).toBe('completed');
    const switched = new ReadModel(h.redis, { prefix: finished.targetPrefix });
    for (const id of enrollments) expect(await switched.get(id)).toEqual(live.get(id));
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, webhook: { enabled: true, dropRate: 0 } });
    const e = await submit();
    await waitFor(
      'the new enrollment in the switched keyspace',
      async () => (await switched.get(e.subject))?.status === 'completed',
    );
    await ReadModel.switchKeyspace(h.redis, `${h.names.queuePrefix}:`, `${h.names.queuePrefix}:`);
  });

  it('never writes a OneTimeSecret, TempId, token or selfie to the logs', async () => {
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
    expect(text).not.toContain(Buffer.from('selfie-bytes').toString('base64'));
    expect(text).not.toMatch(/[?&]s=/);
  });
});

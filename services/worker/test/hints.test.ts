import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { captureFinishedHint, createHarness, waitFor, webhookHint, type Harness } from './support/harness.js';

// The poll delay is far longer than any wait below: completing at all proves a hint did it.
const LONG_POLL_MS = 120_000;

describe('hints make the parked poll due now', () => {
  let h: Harness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await createHarness('worker-hints');
    worker = await startWorker(
      h.config({
        POLL_INITIAL_INTERVAL_MS: String(LONG_POLL_MS),
        POLL_MAX_INTERVAL_MS: String(LONG_POLL_MS),
        POLL_HINT_RECHECK_MS: '100',
      }),
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('a webhook-received hint completes a pending enrollment without waiting for the poll delay', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const pending = await h.waitForStatus(e.subject, ['capture_pending']);
    // The poll sits parked for minutes.
    const jobId = `${e.subject}.poll.0`;
    const parkedKey = `${h.names.queuePrefix}:parked-polls`;
    await waitFor(
      'the parked poll',
      async () => Number(await h.redis.zscore(parkedKey, jobId)) > Date.now() + 60_000,
    );
    await h.control('POST', `/_emulator/operations/${pending.operationId}/complete`, { Status: 1 });
    await h.publishHint(webhookHint(pending.operationId!));
    await h.waitForStatus(e.subject, ['completed'], 20_000);
  });

  it('a capture-finished hint that arrives before the begin step is kept and honoured', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const e = await h.request();
    await h.publishHint(captureFinishedHint(e.subject));
    // The hint is written down although no poll job exists yet...
    await waitFor(
      'the kept hint',
      async () => (await h.redis.exists(`${h.names.queuePrefix}:hint:${e.subject}`)) === 1,
    );
    // ...and the poll enqueued later runs at once instead of after the poll delay.
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['completed'], 20_000);
  });

  it('a webhook for an operation the worker has not indexed yet is kept by operation id', async () => {
    const operationId = `op-${Date.now()}`;
    await h.publishHint(webhookHint(operationId));
    await waitFor(
      'the kept operation hint',
      async () => (await h.redis.exists(`${h.names.queuePrefix}:hint-op:${operationId}`)) === 1,
    );
    expect(await h.redis.exists(`${h.names.queuePrefix}:hint-op:${operationId}`)).toBe(1);
  });
});

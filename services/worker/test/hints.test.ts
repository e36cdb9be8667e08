import assert from 'node:assert/strict';
import { waitFor } from '@verified-onboard/devstack';
import { beforeAll, describe, expect, it } from 'vitest';
import { stepJobId } from '../src/pipeline/job-data.js';
import { captureFinishedHint, useHarness, webhookHint } from './support/harness.js';

// The poll delay is far longer than any wait below: completing at all proves a hint did it.
const LONG_POLL_MS = 120_000;

describe('hints make the parked poll due now', () => {
  const h = useHarness('worker-hints');

  beforeAll(async () => {
    await h.startWorker({
      POLL_INITIAL_INTERVAL_MS: String(LONG_POLL_MS),
      POLL_MAX_INTERVAL_MS: String(LONG_POLL_MS),
      POLL_HINT_RECHECK_MS: '100',
    });
  });

  it('a webhook-received hint completes a pending enrollment without waiting for the poll delay', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const { operationId } = await h.waitForStatus(e.subject, ['capture_pending']);
    assert.ok(operationId);
    // The poll sits parked for minutes.
    const jobId = stepJobId(e.subject, 'poll', 0);
    await waitFor(
      'the parked poll',
      async () => Number(await h.redis.zscore(h.keys.parkedPolls(), jobId)) > Date.now() + 60_000,
    );
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 1 });
    await h.publishHint(webhookHint(operationId));
    await h.waitForStatus(e.subject, ['completed'], 20_000);
  });

  it('a capture-finished hint that arrives before the begin step is kept and honoured', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const e = await h.request();
    await h.publishHint(captureFinishedHint(e.subject));
    // The hint is written down although no poll job exists yet...
    await waitFor('the kept hint', async () => (await h.redis.exists(h.keys.hint(e.subject))) === 1);
    // ...and the poll enqueued later runs at once instead of after the poll delay.
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['completed'], 20_000);
  });

  it('a webhook for an operation the worker has not indexed yet is kept by operation id', async () => {
    const operationId = `op-${Date.now()}`;
    await h.publishHint(webhookHint(operationId));
    await waitFor(
      'the kept operation hint',
      async () => (await h.redis.exists(h.keys.operationHint(operationId))) === 1,
    );
    expect(await h.redis.exists(h.keys.operationHint(operationId))).toBe(1);
    // Kept only as long as a begin step can be recording that operation: made-up ids do not hold memory for a day.
    const ttl = await h.redis.ttl(h.keys.operationHint(operationId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });
});

// A pending enrollment keeps one copy of its request (in the read model), not one more with its parked poll;
// the step after the poll reads it from there, and waits for a projector that trails behind.
import assert from 'node:assert/strict';
import { waitFor } from '@verified-onboard/devstack';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENROLLMENT_FIELDS as F } from '../src/keys.js';
import { stepJobId } from '../src/pipeline/job-data.js';
import type { RunningWorker } from '../src/worker-app.js';
import { emulatorAccounts, useHarness, webhookHint } from './support/harness.js';

describe('the request of an enrollment', () => {
  const h = useHarness('worker-request-copy');
  let worker: RunningWorker;

  beforeAll(async () => {
    // No projector in this worker: the test decides when the read model learns of the request.
    worker = await h.startWorker({}, { projector: false });
  });

  it('is not copied into the poll job; the account step waits for the read model to have it', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const poll = stepJobId(e.subject, 'poll', 0);
    await waitFor('the parked poll', async () => (await h.redis.zscore(h.keys.parkedPolls(), poll)) !== null);
    // While parked, the poll keeps its position and progress in the enrollment hash, and nothing of the request.
    const stored = await h.redis.hgetall(h.keys.enrollment(e.subject));
    expect(stored).toMatchObject({
      [F.pollJob]: poll,
      [F.parkedRequestedAt]: e.data.requestedAt,
      [F.parkedPosition]: `3|capture|${e.data.priority}|||`,
    });
    expect(JSON.stringify(stored)).not.toContain(e.data.displayName);

    // The capture is accepted while the read model still knows nothing of the enrollment.
    const operationId = stored[F.operationId];
    assert.ok(operationId);
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 1 });
    await h.publishHint(webhookHint(operationId));
    const account = stepJobId(e.subject, 'account', 0);
    await waitFor(
      'the account job parked for the projection',
      async () => (await worker.queue.queue.getJobState(account)) === 'delayed',
    );
    expect((await emulatorAccounts(h)).has(e.data.accountNumber)).toBe(false);

    await h.readModel.applyEvent(e);
    const credential = stepJobId(e.subject, 'credential', 0);
    await waitFor(
      'the credential job to finish',
      async () => (await worker.queue.queue.getJobState(credential)) === 'completed',
      { timeoutMs: 20_000 },
    );
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({
      createAttempts: 1,
      credentials: 1,
    });
    const credentialJob = await worker.queue.queue.getJob(credential);
    expect(credentialJob?.data.request).toEqual(e.data);
  });
});

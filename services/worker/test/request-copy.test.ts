// A pending enrollment keeps one copy of its request (in the read model), not one more in a job; the step
// after the poll reads it from there, and waits for a projector that trails behind.
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
    // No projector in this worker: the test decides when the read model learns of the request. Nor does it
    // keep the requests its pipeline consumer saw, as a worker that did not consume this one would not.
    worker = await h.startWorker({}, { projector: false, recentRequests: 0 });
  });

  it('is in no job; each step reads it from the read model, and waits for a projector that trails', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const begin = stepJobId(e.subject, 'begin', 0);
    await waitFor(
      'the begin job parked for the projection',
      async () => (await worker.queue.queue.getJobState(begin)) === 'delayed',
    );
    expect(await h.redis.hget(h.keys.stepBook(e.subject), F.operationId)).toBeNull();
    await h.readModel.applyEvent(e);
    const poll = stepJobId(e.subject, 'poll', 0);
    await waitFor('the parked poll', async () => (await h.redis.zscore(h.keys.parkedPolls(), poll)) !== null);
    // While parked, the poll keeps its position and progress in the enrollment hash, and nothing of the request.
    const stored = await h.redis.hgetall(h.keys.stepBook(e.subject));
    expect(stored).toMatchObject({
      [F.pollJob]: poll,
      [F.parkedRequestedAt]: e.data.requestedAt,
      [F.parkedPosition]: `3|capture|${e.data.priority}|||`,
    });
    expect(JSON.stringify(stored)).not.toContain(e.data.displayName);

    // The capture is accepted; the account step finds the request where the begin step found it.
    const operationId = stored[F.operationId];
    assert.ok(operationId);
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 1 });
    await h.publishHint(webhookHint(operationId));
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
    expect(credentialJob?.data).toBeDefined();
    expect(JSON.stringify(credentialJob?.data)).not.toContain(e.data.displayName);
  });
});

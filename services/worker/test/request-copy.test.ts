// A pending enrollment keeps one copy of its request (in the read model), not one more in its delayed poll
// job; the step after the poll reads it from there, and waits for a projector that trails behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { createHarness, emulatorAccounts, waitFor, type Harness } from './support/harness.js';

describe('the request of an enrollment', () => {
  let h: Harness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await createHarness('worker-request-copy');
    // No projector in this worker: the test decides when the read model learns of the request.
    worker = await startWorker(h.config(), { projector: false });
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('is not copied into the poll job; the account step waits for the read model to have it', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const poll = `${e.subject}.poll.0`;
    const job = await waitFor('the delayed poll job', async () => {
      const j = await worker.queue.queue.getJob(poll);
      return j && (await j.getState()) === 'delayed' ? j : null;
    });
    expect(job.data).not.toHaveProperty('request');
    expect(job.data).toMatchObject({ mode: 'capture', priority: e.data.priority, requestedAt: e.data.requestedAt });

    // The capture is accepted while the read model still knows nothing of the enrollment.
    const operationId = await h.redis.hget(`${h.names.queuePrefix}:wk:${e.subject}`, 'op');
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 1 });
    await job.promote();
    const account = `${e.subject}.account.0`;
    await waitFor('the account job parked for the projection', async () => (await worker.queue.queue.getJobState(account)) === 'delayed');
    expect((await emulatorAccounts(h)).has(e.data.accountNumber)).toBe(false);

    await h.readModel.applyEvent(e);
    await waitFor('the credential job to finish', async () => (await worker.queue.queue.getJobState(`${e.subject}.credential.0`)) === 'completed', 20_000);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ createAttempts: 1, credentials: 1 });
    const credentialJob = await worker.queue.queue.getJob(`${e.subject}.credential.0`);
    expect(credentialJob?.data.request).toEqual(e.data);
  });
});

// A pending enrollment keeps one copy of its request (in the read model), not one more with its parked poll;
// the step after the poll reads it from there, and waits for a projector that trails behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { createHarness, emulatorAccounts, waitFor, webhookHint, type Harness } from './support/harness.js';

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
    await waitFor(
      'the parked poll',
      async () => (await h.redis.zscore(`${h.names.queuePrefix}:parked-polls`, poll)) !== null,
    );
    // While parked, the poll keeps its position and progress in the enrollment hash, and nothing of the request.
    const stored = await h.redis.hgetall(`${h.names.queuePrefix}:wk:${e.subject}`);
    expect(stored).toMatchObject({ poll, pr: e.data.requestedAt, ps: `3|capture|${e.data.priority}|||` });
    expect(JSON.stringify(stored)).not.toContain(e.data.displayName);

    // The capture is accepted while the read model still knows nothing of the enrollment.
    await h.control('POST', `/_emulator/operations/${stored.op}/complete`, { Status: 1 });
    await h.publishHint(webhookHint(stored.op!));
    const account = `${e.subject}.account.0`;
    await waitFor(
      'the account job parked for the projection',
      async () => (await worker.queue.queue.getJobState(account)) === 'delayed',
    );
    expect((await emulatorAccounts(h)).has(e.data.accountNumber)).toBe(false);

    await h.readModel.applyEvent(e);
    await waitFor(
      'the credential job to finish',
      async () => (await worker.queue.queue.getJobState(`${e.subject}.credential.0`)) === 'completed',
      20_000,
    );
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({
      createAttempts: 1,
      credentials: 1,
    });
    const credentialJob = await worker.queue.queue.getJob(`${e.subject}.credential.0`);
    expect(credentialJob?.data.request).toEqual(e.data);
  });
});

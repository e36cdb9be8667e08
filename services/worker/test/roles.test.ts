// WORKER_ROLES splits a worker into a steps process and a projector process: the projector alone schedules
// nothing, and with a steps process beside it the enrollment is carried to completed.
import { describe, expect, it } from 'vitest';
import { stepJobId } from '../src/pipeline/job-data.js';
import { emulatorAccounts, useHarness } from './support/harness.js';

describe('worker roles', () => {
  const h = useHarness('worker-roles');

  it('a projector-only process and a steps-only process together complete an enrollment', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const projector = await h.startWorker({ WORKER_ROLES: 'projector' });
    const e = await h.request();
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['requested']);
    // No pipeline consumer and no BullMQ worker in this process: nothing was scheduled.
    expect(await projector.queue.queue.getJobState(stepJobId(e.subject, 'begin', 0))).toBe('unknown');

    await h.startWorker({ WORKER_ROLES: 'steps' });
    await h.waitForStatus(e.subject, ['completed']);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
  });
});

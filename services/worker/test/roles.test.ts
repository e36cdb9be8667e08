// WORKER_ROLES splits a worker into a steps process and a projector process: the projector alone schedules
// nothing, and with a steps process beside it the enrollment is carried to completed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { createHarness, emulatorAccounts, type Harness } from './support/harness.js';

describe('worker roles', () => {
  let h: Harness;
  const running: RunningWorker[] = [];

  beforeAll(async () => {
    h = await createHarness('worker-roles');
  });

  afterAll(async () => {
    for (const w of running) await w.stop();
    await h?.close();
  });

  it('a projector-only process and a steps-only process together complete an enrollment', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const projector = await startWorker(h.config({ WORKER_ROLES: 'projector' }));
    running.push(projector);
    const e = await h.request();
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['requested']);
    // No pipeline consumer and no BullMQ worker in this process: nothing was scheduled.
    expect(await projector.queue.queue.getJobState(`${e.subject}.begin.0`)).toBe('unknown');

    running.push(await startWorker(h.config({ WORKER_ROLES: 'steps' })));
    await h.waitForStatus(e.subject, ['completed']);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
  });
});

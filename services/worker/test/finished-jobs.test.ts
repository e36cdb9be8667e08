// A job's full outcome lives only until its events are acknowledged and its next job exists; then a marker
// in the enrollment hash stands for it. A re-run of a finished job (Kafka redelivers `requested` after the
// completed job aged out of BullMQ) must then do nothing: no upstream call, no event, no next job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { createHarness, waitFor, type Harness } from './support/harness.js';

describe('finished jobs', () => {
  let h: Harness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await createHarness('worker-finished-jobs');
    worker = await startWorker(h.config());
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  const stats = async () =>
    (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls;
  const jobState = (id: string) => worker.queue.queue.getJobState(id);

  it('keep a marker instead of their outcome, and a pending enrollment keeps no outcome at all', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const pending = await h.request();
    await h.publishEnrollment(pending);
    const { operationId } = await h.waitForStatus(pending.subject, ['capture_pending']);
    await waitFor(
      'the begin job to finish',
      async () => (await jobState(`${pending.subject}.begin.0`)) === 'completed',
    );
    const prefix = h.names.queuePrefix;
    expect(await h.redis.exists(`${prefix}:outcome:${pending.subject}.begin.0`)).toBe(0);
    expect(await h.redis.hgetall(`${prefix}:wk:${pending.subject}`)).toMatchObject({
      'done:begin.0': '1',
      poll: `${pending.subject}.poll.0`,
    });
    expect(await h.redis.ttl(`${prefix}:wk:${pending.subject}`)).toBeGreaterThan(0);
    // End it, so that its polls do not count in the next test.
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 5 });
    await h.waitForStatus(pending.subject, ['canceled']);
  });

  it('are not repeated when Kafka delivers their trigger again after BullMQ forgot them', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['completed']);
    const steps = ['begin', 'poll', 'account', 'credential'].map((s) => `${e.subject}.${s}.0`);
    // Poll jobs are removed when they complete (their id is dispatched again while an operation is pending).
    await waitFor('every job completed', async () =>
      (await Promise.all(steps.map(jobState))).every((s, i) => s === (i === 1 ? 'unknown' : 'completed')),
    );
    expect(await h.redis.zscore(`${h.names.queuePrefix}:parked-polls`, steps[1]!)).toBeNull();
    const before = await stats();
    const eventsBefore = await h.readModel.events(e.subject);

    // Completed jobs are kept an hour at most: after that, a redelivered `requested` adds `begin` anew.
    for (const id of [steps[0]!, steps[2]!, steps[3]!]) await worker.queue.queue.remove(id);
    await h.publishEnrollment(e);
    await waitFor(
      'the re-added begin job to finish',
      async () => (await jobState(steps[0]!)) === 'completed',
    );

    expect(await stats()).toEqual(before);
    expect(await jobState(steps[1]!)).toBe('unknown');
    expect(await h.readModel.events(e.subject)).toEqual(eventsBefore);
  });
});

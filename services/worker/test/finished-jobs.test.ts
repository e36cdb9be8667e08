// A job's full outcome lives only until its events are acknowledged and its next job exists; then a marker
// in the enrollment hash stands for it. A re-run of a finished job (Kafka redelivers `requested` after the
// completed job aged out of BullMQ, or ops redrive it) must then do nothing: no upstream call, no event, no next job.
import { waitFor } from '@verified-onboard/devstack';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENROLLMENT_FIELDS as F } from '../src/keys.js';
import { stepJobData, stepJobId, type Step } from '../src/pipeline/job-data.js';
import type { RunningWorker } from '../src/worker-app.js';
import { useHarness } from './support/harness.js';

describe('finished jobs', () => {
  const h = useHarness('worker-finished-jobs');
  let worker: RunningWorker;

  beforeAll(async () => {
    worker = await h.startWorker();
  });

  const stats = async () =>
    (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls;
  const jobState = (id: string) => worker.queue.queue.getJobState(id);

  it('keep a marker instead of their outcome, and a pending enrollment keeps no outcome at all', async () => {
    await h.scenario({ user: { outcome: 'never', afterMs: 0 } });
    const pending = await h.request();
    await h.publishEnrollment(pending);
    const { operationId } = await h.waitForStatus(pending.subject, ['capture_pending']);
    const begin = stepJobId(pending.subject, 'begin', 0);
    await waitFor('the begin job to finish', async () => (await jobState(begin)) === 'completed');
    expect(await h.redis.exists(h.keys.outcome(begin))).toBe(0);
    expect(await h.redis.hgetall(h.keys.stepBook(pending.subject))).toMatchObject({
      [F.done(pending.subject, begin)]: '1',
      [F.pollJob]: stepJobId(pending.subject, 'poll', 0),
    });
    expect(await h.redis.ttl(h.keys.stepBook(pending.subject))).toBeGreaterThan(0);
    // End it, so that its polls do not count in the next test.
    await h.control('POST', `/_emulator/operations/${operationId}/complete`, { Status: 5 });
    await h.waitForStatus(pending.subject, ['canceled']);
  });

  it('are not repeated when Kafka delivers their trigger again after BullMQ forgot them', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const e = await h.request();
    await h.publishEnrollment(e);
    await h.waitForStatus(e.subject, ['completed']);
    const job = (step: Step) => stepJobId(e.subject, step, 0);
    const [begin, poll, account, credential] = [job('begin'), job('poll'), job('account'), job('credential')];
    // Poll jobs are removed when they complete (their id is dispatched again while an operation is pending).
    await waitFor('every job completed', async () =>
      (await Promise.all([begin, poll, account, credential].map(jobState))).every(
        (state, i) => state === (i === 1 ? 'unknown' : 'completed'),
      ),
    );
    expect(await h.redis.zscore(h.keys.parkedPolls(), poll)).toBeNull();
    const before = await stats();
    const eventsBefore = await h.readModel.events(e.subject);

    // Completed jobs are kept an hour at most: after that, a re-added `begin` (a redelivered `requested` the
    // pipeline consumer read before the projector caught up, or an ops redrive) is a new job with the old id.
    for (const id of [begin, account, credential]) await worker.queue.queue.remove(id);
    await worker.queue.enqueue(
      'begin',
      stepJobData(e.data, {
        enrollmentId: e.subject,
        generation: 0,
        nextSequence: e.sequence + 1,
        correlationId: e.correlationid,
        causationId: e.id,
        admission: 'new',
      }),
    );
    await waitFor('the re-added begin job to finish', async () => (await jobState(begin)) === 'completed');

    expect(await stats()).toEqual(before);
    expect(await jobState(poll)).toBe('unknown');
    expect(await h.readModel.events(e.subject)).toEqual(eventsBefore);
  });
});

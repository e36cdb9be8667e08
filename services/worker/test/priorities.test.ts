// A big batch must never starve a single person waiting at the capture page: an interactive enrollment that
// arrives behind a queued batch overtakes most of it. Asserted on the order of completion events, not on time.
import { EVENT_TYPES } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';

describe('priorities', () => {
  let h: Harness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await createHarness('worker-priorities');
    // Two job slots and a tight upstream budget: the batch alone needs hundreds of turns.
    worker = await startWorker(h.config({ WORKER_CONCURRENCY: '2', VERIFIED_RATE_LIMIT_PER_SEC: '40' }), {});
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, webhook: { enabled: false } });
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  const completedAt = async (id: string) => {
    const done = (await h.readModel.events(id)).find((e) => e.type === EVENT_TYPES.completed);
    return Date.parse(done!.time);
  };

  it('an interactive enrollment queued behind a 150-enrollment batch overtakes nearly all of what is left of it', async () => {
    const batch = await Promise.all(Array.from({ length: 150 }, () => h.request({ priority: 'batch' })));
    await h.producer.publish('enrollmentEvents', batch);
    // The batch is under way before the person arrives.
    await h.waitForStatus(
      batch[0]!.subject,
      ['capture_pending', 'captured', 'account_created', 'completed'],
      60_000,
    );

    const person = await h.request({ priority: 'interactive' });
    await h.publishEnrollment(person);
    await h.waitForStatus(person.subject, ['completed'], 120_000);
    for (const e of batch) await h.waitForStatus(e.subject, ['completed'], 120_000);

    const personRequested = Date.parse(person.time);
    const personDone = await completedAt(person.subject);
    const batchDone = await Promise.all(batch.map((e) => completedAt(e.subject)));
    const aheadOfThePerson = batchDone.filter((t) => t > personRequested).length;
    const overtaken = batchDone.filter((t) => t > personDone).length;
    // Enough of the batch was still to do when the person arrived for this to mean something...
    expect(aheadOfThePerson).toBeGreaterThan(30);
    // ...and the person overtook nearly all of it (first come, first served overtakes none).
    expect(overtaken).toBeGreaterThanOrEqual(Math.floor(aheadOfThePerson * 0.8));
  }, 240_000);
});

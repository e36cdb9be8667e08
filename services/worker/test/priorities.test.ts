// A big batch must never starve a single person waiting at the capture page: an interactive enrollment that
// arrives behind a queued batch overtakes most of it. Asserted on the order of completion events, not on time.
import assert from 'node:assert/strict';
import { EVENT_TYPES } from '@verified-onboard/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from './support/harness.js';

describe('priorities', () => {
  const h = useHarness('worker-priorities');

  beforeAll(async () => {
    // Two job slots and a tight upstream budget: the batch alone needs hundreds of turns.
    await h.startWorker({ WORKER_CONCURRENCY: '2', VERIFIED_RATE_LIMIT_PER_SEC: '40' });
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, webhook: { enabled: false } });
  });

  const completedAt = async (id: string) => {
    const done = (await h.readModel.events(id)).find((e) => e.type === EVENT_TYPES.completed);
    assert.ok(done, `enrollment ${id} has no completed event`);
    return Date.parse(done.time);
  };

  it('an interactive enrollment queued behind a 150-enrollment batch overtakes nearly all of what is left of it', async () => {
    const batch = await Promise.all(Array.from({ length: 150 }, () => h.request({ priority: 'batch' })));
    await h.producer.publish('enrollmentEvents', batch);
    const [firstOfBatch] = batch;
    assert.ok(firstOfBatch);
    // The batch is under way before the person arrives.
    await h.waitForStatus(
      firstOfBatch.subject,
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

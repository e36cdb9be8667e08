// A rebuild and the live projector write the same keyspace during a projection rebuild, so an enrollment's
// events can reach the read model out of order. Whatever the arrival order, the stored state must end equal
// to the fold of the log, with nothing lost and batch counts counted once.
import assert from 'node:assert/strict';
import { isolatedNames } from '@verified-onboard/devstack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '@verified-onboard/events';
import { ReadModel } from '../src/index.js';
import { happyPath, Stream, at } from './support/builders.js';
import { useRedis } from './support/infra.js';

const names = isolatedNames('events-rm-order');
const redis = useRedis(names);
let run = 0;

function stream(id: string, kind: number): Stream {
  if (kind === 0) return happyPath(id, 'capture');
  if (kind === 1) return happyPath(id, 'import');
  const s = new Stream(id);
  s.requested('capture', { batchId: 'order-batch' });
  s.captureStarted();
  s.failed('poll');
  s.retried('poll');
  s.captureCompleted(1);
  s.accountCreated();
  return s;
}

describe('ReadModel with events out of order', () => {
  it('holds an event that arrives before its predecessor and folds it in when the gap closes', async () => {
    const rm = new ReadModel(redis, { prefix: `${names.keyPrefix}a:` });
    const s = happyPath('order-1', 'capture');
    const [first, second, ...rest] = s.events;
    assert.ok(first && second);
    expect(await rm.applyEvent(second)).toBe('deferred');
    expect(await rm.get('order-1')).toBeNull();
    expect(await rm.applyEvent(second)).toBe('duplicate');
    expect(await rm.applyEvent(first)).toBe('applied');
    expect((await rm.get('order-1'))?.version).toBe(2);
    for (const e of rest.reverse()) await rm.applyEvent(e);
    expect(await rm.get('order-1')).toEqual(fold(s.events));
    expect(await rm.events('order-1')).toEqual(s.events);
  });

  it('any arrival order, with redeliveries, ends equal to the fold of the log', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.func(fc.integer()),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (kind, order, repeats) => {
          const prefix = `${names.keyPrefix}p${run++}:`;
          const rm = new ReadModel(redis, { prefix });
          const s = stream(`order-p${run}`, kind);
          const arrivals = [...s.events, ...repeats.map((r) => at(s.events, r % s.events.length))];
          arrivals.sort((a, b) => order(a.id + a.sequence) - order(b.id + b.sequence));
          for (const e of arrivals) await rm.applyEvent(e);
          expect(await rm.get(s.id)).toEqual(fold(s.events));
          expect(await rm.events(s.id)).toEqual(s.events);
          if (kind === 2) {
            const batch = await rm.batch('order-batch');
            expect(batch.total).toBe(1);
            expect(batch.byStatus.account_created).toBe(1);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('two writers that keep the records they wrote, each given events in any order, end equal to the fold', async () => {
    // A kept record goes stale when the other writer moves the enrollment: the compare-and-set must notice.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.func(fc.integer()),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        async (kind, order, writer) => {
          const prefix = `${names.keyPrefix}k${run++}:`;
          const writers = [0, 1].map(() => new ReadModel(redis, { prefix, recentRecords: 10 }));
          const s = stream(`order-k${run}`, kind);
          const arrivals = [...s.events, ...s.events];
          arrivals.sort((a, b) => order(a.id + a.sequence) - order(b.id + b.sequence));
          for (const [i, e] of arrivals.entries())
            await at(writers, writer[i % writer.length] ? 1 : 0).applyEvent(e);
          expect(await writers[0]?.get(s.id)).toEqual(fold(s.events));
          expect(await rmEvents(prefix, s.id)).toEqual(s.events);
        },
      ),
      { numRuns: 40 },
    );
  });
});

function rmEvents(prefix: string, id: string) {
  return new ReadModel(redis, { prefix }).events(id);
}

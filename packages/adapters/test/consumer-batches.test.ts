// What EventConsumer hands over: runs of fresh events to handleBatch, and only the types it was asked for.
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { InMemoryDedupeStore, type ConsumedEvent } from '../src/index.js';
import { happyPath, at, defined } from './support/builders.js';
import { kafka, setup, publish, consumer, collect, published } from './support/consumer-fixture.js';

describe('EventConsumer batches and types', () => {
  it('handleBatch receives runs of fresh events in partition order', async () => {
    const { names, topics } = await setup('consumer-batch', 2);
    const streams = Array.from({ length: 10 }, (_, i) => happyPath(`enr-h${i}`, 'import'));
    const all = streams.flatMap((s) => s.events);
    await publish(topics.enrollmentEvents, all);
    const dedupe = new InMemoryDedupeStore();
    await dedupe.add(at(all, 0).id);
    const batches: ConsumedEvent[][] = [];
    const c = consumer(topics, {
      groupId: `${names.groupPrefix}batch`,
      dedupe,
      handler: () => Promise.reject(new Error('not used when handleBatch is set')),
      handleBatch: (events) => {
        batches.push(events);
        return Promise.resolve();
      },
    });
    await c.start();
    await waitFor('all fresh events', () => batches.flat().length === all.length - 1);
    expect(batches.length).toBeLessThan(all.length - 1);
    const seen = batches.flat().map((c) => c.event);
    expect(seen.map((e) => e.id)).not.toContain(at(all, 0).id);
    for (const s of streams)
      expect(seen.filter((e) => e.subject === s.id)).toEqual(
        s.id === at(streams, 0).id ? s.events.slice(1) : s.events,
      );
    expect(c.stats).toMatchObject({ duplicates: 1, handled: all.length - 1 });
  });

  it('passes over the types it was not asked for, unread, and commits past them', async () => {
    const { names, topics, streams } = await published('consumer-types', 2, 6);
    const groupId = `${names.groupPrefix}types`;
    const handled: ConsumedEvent[] = [];
    const c = consumer(topics, {
      groupId,
      types: ['enrollment.requested.v1'],
      handler: collect(handled),
    });
    await c.start();
    await waitFor('the requested event of every stream', () => handled.length === streams.length);
    // Every partition ends with events passed over: the group's offsets still reach the end of the log.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topics.enrollmentEvents);
      await waitFor(
        'the group offsets at the end of every partition',
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.enrollmentEvents] });
          return defined(committed).partitions.every(
            (p) => p.offset === ends.find((e) => e.partition === p.partition)?.high,
          );
        },
        { intervalMs: 100 },
      );
    } finally {
      await admin.disconnect();
    }
    await c.stop();
    expect(handled.map((h) => h.event.type)).toEqual(streams.map(() => 'enrollment.requested.v1'));
    expect(c.stats.handled).toBe(streams.length);
  });
});

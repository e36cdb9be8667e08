// EventConsumer under failure: a failing handler blocks its partition until it succeeds, and a crash kafkajs
// will not restart from is restarted by the consumer itself.
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { UpcasterRegistry } from '@verified-onboard/events';
import { InMemoryDedupeStore, type ConsumedEvent } from '../src/index.js';
import { happyPath, at, defined } from './support/builders.js';
import { kafka, setup, publish, consumer, collect } from './support/consumer-fixture.js';

describe('EventConsumer retries', () => {
  it('a failing handler blocks its partition (no skip, no commit past it) and retries until it succeeds', async () => {
    const { names, topics } = await setup('consumer-retry', 1);
    const streams = [happyPath('enr-r1', 'import'), happyPath('enr-r2', 'capture')];
    const all = streams.flatMap((s) => s.events);
    await publish(topics.enrollmentEvents, all);
    const poison = at(all, 5);
    const groupId = `${names.groupPrefix}retry`;
    const dedupe = new InMemoryDedupeStore();
    /** A member of the group that hands each event id to `handle` (which throws to fail it). */
    const member = (handle: (id: string) => void) =>
      consumer(topics, {
        groupId,
        dedupe,
        handler: ({ event }) => Promise.resolve().then(() => handle(event.id)),
      });

    // Member 1 can never handle `poison`: it retries it and handles nothing after it.
    const order1: string[] = [];
    let attempts = 0;
    const first = member((id) => {
      if (id === poison.id) {
        attempts++;
        throw new Error('downstream unavailable');
      }
      order1.push(id);
    });
    await first.start();
    await waitFor('several attempts at the failing event', () => attempts >= 4);
    expect(order1).toEqual(all.slice(0, 5).map((e) => e.id));
    await first.stop();
    expect(first.stats.handlerErrors).toBeGreaterThanOrEqual(4);

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topics.enrollmentEvents] });
    await admin.disconnect();
    expect(defined(offsets).partitions).toMatchObject([{ offset: '5' }]);

    // Member 2 recovers after two more failures and continues in order from the failed event.
    const order2: string[] = [];
    let failuresLeft = 2;
    const second = member((id) => {
      if (id === poison.id && failuresLeft-- > 0) throw new Error('still unavailable');
      order2.push(id);
    });
    await second.start();
    await waitFor('the rest of the partition', () => order2.length === all.length - 5);
    expect(order2).toEqual(all.slice(5).map((e) => e.id));
    expect(second.stats).toMatchObject({ handlerErrors: 2, duplicates: 0 });
    await second.stop();
  });

  it('rebuilds itself after a crash kafkajs will not restart from', async () => {
    const { names, topics } = await setup('consumer-restart', 1);
    const events = happyPath('enr-restart', 'import').events;
    await publish(topics.enrollmentEvents, events);
    // kafkajs restarts a crashed consumer only when the error is retriable and restartOnFailure agrees; here
    // restartOnFailure refuses, which is what kafkajs does by itself for a non-retriable error. Decoding fails
    // twice (an upcaster bug), more often than kafkajs retries a batch (once).
    let failuresLeft = 2;
    const registry = new UpcasterRegistry().register({
      from: 'enrollment.requested.v0',
      to: 'enrollment.requested.v1',
      upcast: (data) => data,
    });
    const upcast = registry.upcast.bind(registry);
    registry.upcast = (envelope) => {
      if (failuresLeft-- > 0) throw new Error('upcaster bug');
      return upcast(envelope);
    };
    const lines: string[] = [];
    const logger = {
      info: () => {},
      debug: () => {},
      warn: (_o: unknown, m: string) => void lines.push(m),
      error: (_o: unknown, m: string) => void lines.push(m),
    };
    const handled: ConsumedEvent[] = [];
    const c = consumer(topics, {
      groupId: `${names.groupPrefix}restart`,
      upcasters: registry,
      kafkaRetry: { retries: 1, initialRetryTime: 50, restartOnFailure: () => Promise.resolve(false) },
      logger,
      handler: collect(handled),
    });
    await c.start();
    await waitFor('every event after the restart', () => handled.length === events.length);
    expect(handled.map((h) => h.event.id)).toEqual(events.map((e) => e.id));
    expect(lines).toEqual(expect.arrayContaining(['consumer crashed', 'consumer restarted after a crash']));
    expect(c.stats.restarts).toBe(1);
  });
});

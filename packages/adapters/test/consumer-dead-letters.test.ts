// EventConsumer and the dead-letter topic: a handler that fails every attempt and malformed records are set
// aside with their headers and origin, and the partition moves on.
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, encodeEvent } from '@verified-onboard/events';
import { InMemoryDedupeStore, type ConsumedEvent } from '../src/index.js';
import { happyPath, Stream, at, defined } from './support/builders.js';
import { kafka, cleanups, setup, publish, consumer, collect } from './support/consumer-fixture.js';

describe('EventConsumer dead letters', () => {
  it('dead-letters an event whose handler fails every attempt, with its headers, and the partition moves on', async () => {
    const { names, topics } = await setup('consumer-poison', 1);
    const before = happyPath('enr-before', 'import').events;
    const poison = happyPath('enr-poison', 'import').events.slice(0, 1);
    const after = happyPath('enr-after', 'capture').events;
    await publish(topics.enrollmentEvents, [...before, ...poison, ...after]);

    const handled: ConsumedEvent[] = [];
    class PoisonError extends Error {
      readonly code = 'poison_event';
    }
    const c = consumer(topics, {
      groupId: `${names.groupPrefix}poison`,
      dedupe: new InMemoryDedupeStore(),
      maxHandlerAttempts: 3,
      handler: collect(handled),
      // Runs of events: the poison one fails its whole run, then alone; its neighbours are handled.
      handleBatch: (events) => {
        if (events.some((e) => e.event.subject === 'enr-poison')) throw new PoisonError('cannot handle');
        handled.push(...events);
        return Promise.resolve();
      },
    });
    await c.start();
    await waitFor('the events after the poison one', () => handled.length === before.length + after.length);
    expect(handled.map((h) => h.event)).toEqual([...before, ...after]);
    expect(c.stats.deadLettered).toBe(1);

    const dlq = kafka.consumer({ groupId: `${names.groupPrefix}poison-reader` });
    cleanups.push(() => dlq.disconnect());
    await dlq.connect();
    await dlq.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    const letters: { key: string; value: string; headers: Record<string, string> }[] = [];
    await dlq.run({
      eachMessage: ({ message }) => {
        letters.push({
          key: defined(message.key).toString(),
          value: defined(message.value).toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
        return Promise.resolve();
      },
    });
    await waitFor('the dead letter', () => letters.length === 1);
    const original = encodeEvent(at(poison, 0));
    expect(letters[0]).toEqual({
      key: 'enr-poison',
      value: original.value,
      headers: {
        ...original.headers,
        [DLQ_HEADERS.reason]: 'handler_failed',
        [DLQ_HEADERS.error]: 'poison_event',
        [DLQ_HEADERS.attempts]: '3',
        [DLQ_HEADERS.sourceTopic]: topics.enrollmentEvents,
        [DLQ_HEADERS.sourcePartition]: '0',
        [DLQ_HEADERS.sourceOffset]: String(before.length),
      },
    });
  });

  it('dead-letters malformed records with their reason and origin, and keeps going', async () => {
    const { names, topics } = await setup('consumer-dlq', 1);
    const good = happyPath('enr-ok', 'import').events;
    const bad = new Stream('enr-bad');
    const template = encodeEvent(bad.requested('import'));
    const { ce_id: _id, ...noId } = template.headers;
    const malformed = [
      { key: template.key, value: '{"broken', headers: template.headers },
      { key: template.key, value: template.value, headers: noId },
      {
        key: template.key,
        value: JSON.stringify({ ...JSON.parse(template.value), timeoutSec: 'soon' }),
        headers: template.headers,
      },
    ];
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: topics.enrollmentEvents,
      acks: -1,
      messages: [
        encodeEvent(at(good, 0)),
        ...malformed.slice(0, 2),
        encodeEvent(at(good, 1)),
        at(malformed, 2),
      ],
    });
    await raw.send({ topic: topics.enrollmentEvents, acks: -1, messages: good.slice(2).map(encodeEvent) });
    await raw.disconnect();

    const handled: ConsumedEvent[] = [];
    const c = consumer(topics, {
      groupId: `${names.groupPrefix}dlq`,
      dedupe: new InMemoryDedupeStore(),
      handler: collect(handled),
    });
    await c.start();
    await waitFor('the valid events around the bad ones', () => handled.length === good.length);
    expect(handled.map((h) => h.event)).toEqual(good);
    expect(c.stats.deadLettered).toBe(3);

    const dlq = kafka.consumer({ groupId: `${names.groupPrefix}dlq-reader` });
    cleanups.push(() => dlq.disconnect());
    await dlq.connect();
    await dlq.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    const letters: { value: string; headers: Record<string, string> }[] = [];
    await dlq.run({
      eachMessage: ({ message }) => {
        letters.push({
          value: defined(message.value).toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
        return Promise.resolve();
      },
    });
    await waitFor('three dead letters', () => letters.length === 3);
    expect(letters.map((l) => l.headers[DLQ_HEADERS.reason])).toEqual([
      'bad_json',
      'missing_attribute',
      'invalid_data',
    ]);
    expect(letters.map((l) => l.headers[DLQ_HEADERS.sourceOffset])).toEqual(['1', '2', '4']);
    for (const [i, l] of letters.entries()) {
      expect(l.value).toBe(at(malformed, i).value);
      expect(l.headers).toMatchObject({
        [DLQ_HEADERS.sourceTopic]: topics.enrollmentEvents,
        [DLQ_HEADERS.sourcePartition]: '0',
        ce_type: template.headers.ce_type,
      });
    }
    expect(at(letters, 1).headers).not.toHaveProperty('ce_id');
  });
});

import assert from 'node:assert/strict';
import { freePort, isolatedNames } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '@verified-onboard/events';
import { createKafka, EventProducer, PublishError, PublishWithdrawnError } from '../src/index.js';
import { happyPath } from './support/builders.js';
import { useKafka } from './support/infra.js';

const names = isolatedNames('events-producer');
const { kafka, topics } = useKafka(names, { enrollmentPartitions: 3 });

async function readAll(topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `${names.groupPrefix}${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: ReturnType<typeof decodeEvent>[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: ({ message }) => {
          seen.push(decodeEvent(message));
          if (seen.length >= expected) resolve();
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('EventProducer', () => {
  it('batches concurrent publishes into one request and resolves each after the broker acknowledged it', async () => {
    // A long linger makes "concurrent" deterministic: every publish below is queued before the timer fires.
    const producer = new EventProducer(kafka, { lingerMs: 200, maxBatchSize: 500 });
    await producer.connect();
    const streams = Array.from({ length: 20 }, (_, i) => happyPath(`enr-b${i}`, 'capture'));
    const results = await Promise.all(
      streams.map((s) => producer.publish(topics.enrollmentEvents, s.events)),
    );
    expect(results).toHaveLength(20);
    expect(producer.stats).toEqual({ requests: 1, messages: 120, failedRequests: 0, inFlight: 0 });

    // Resolved means durable: every event is readable, in order per enrollment.
    const seen = await readAll(topics.enrollmentEvents, 120);
    for (const s of streams) {
      expect(seen.filter((e) => e.subject === s.id)).toEqual(s.events);
    }
    await producer.disconnect();
  });

  it('splits at maxBatchSize and resolves catalogue keys and base names with the prefix', async () => {
    const producer = new EventProducer(kafka, {
      lingerMs: 200,
      maxBatchSize: 4,
      topicPrefix: names.topicPrefix,
    });
    await producer.connect();
    expect(producer.resolveTopic('hints')).toBe(topics.hints);
    expect(producer.resolveTopic('verified.hints.v1')).toBe(topics.hints);
    expect(producer.resolveTopic(topics.hints)).toBe(topics.hints);
    const streams = Array.from({ length: 4 }, (_, i) => happyPath(`enr-s${i}`, 'import'));
    await Promise.all(streams.map((s) => producer.publish('enrollmentEvents', s.events)));
    expect(producer.stats.messages).toBe(16);
    expect(producer.stats.requests).toBe(4);
    await producer.disconnect();
    const [first] = streams;
    assert.ok(first);
    await expect(producer.publish('enrollmentEvents', first.events)).rejects.toBeInstanceOf(PublishError);
  });

  it('a publish withdrawn through its signal while queued is never sent; the others in its window are', async () => {
    const producer = new EventProducer(kafka, { lingerMs: 200 });
    await producer.connect();
    const kept = happyPath('enr-kept', 'import');
    const withdrawn = happyPath('enr-withdrawn', 'import');
    const controller = new AbortController();
    const outcomes = Promise.allSettled([
      producer.publish(topics.hints, kept.events),
      producer.publish(topics.hints, withdrawn.events, { signal: controller.signal }),
    ]);
    controller.abort();
    const [sent, gone] = await outcomes;
    expect(sent?.status).toBe('fulfilled');
    expect((gone as PromiseRejectedResult).reason).toBeInstanceOf(PublishWithdrawnError);
    const aborted = AbortSignal.abort();
    await expect(
      producer.publish(topics.hints, withdrawn.events, { signal: aborted }),
    ).rejects.toBeInstanceOf(PublishWithdrawnError);
    await producer.disconnect();
    // Everything the producer sent is on the topic, and only the kept stream's events.
    expect(producer.stats.messages).toBe(kept.events.length);
    const seen = await readAll(topics.hints, kept.events.length);
    expect(seen.map((e) => e.subject)).toEqual(kept.events.map(() => kept.id));
  });

  it('rejects every caller when the broker does not acknowledge (missing topic): no false success', async () => {
    const producer = new EventProducer(kafka, { retries: 1 });
    await producer.connect();
    const { events } = happyPath('enr-missing', 'import');
    const outcomes = await Promise.allSettled([
      producer.publish(`${names.topicPrefix}no-such-topic`, events.slice(0, 2)),
      producer.publish(`${names.topicPrefix}no-such-topic`, events.slice(2)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(PublishError);
    expect(producer.stats.failedRequests).toBeGreaterThan(0);
    await producer.disconnect();
  });

  it('rejects when the broker is unreachable', async () => {
    const port = await freePort();
    const unreachable = createKafka({
      brokers: [`127.0.0.1:${port}`],
      clientId: names.id,
      retries: 1,
      connectionTimeoutMs: 500,
    });
    const producer = new EventProducer(unreachable, { retries: 1 });
    await expect(producer.connect()).rejects.toBeInstanceOf(PublishError);
    await expect(
      producer.publish(topics.enrollmentEvents, happyPath('enr-u', 'import').events),
    ).rejects.toBeInstanceOf(PublishError);
  });
});

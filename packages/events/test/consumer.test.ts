import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  deleteKeysWithPrefix,
  isolatedNames,
  redisClient,
  repoRoot,
  testInfra,
  waitFor,
} from '@verified-onboard/devstack';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createKafka,
  DLQ_HEADERS,
  encodeEvent,
  ensureTopics,
  EventConsumer,
  EventProducer,
  fold,
  InMemoryDedupeStore,
  RedisDedupeStore,
  topicNames,
  type TopicNames,
  UpcasterRegistry,
  type ConsumedEvent,
  type EnrollmentMode,
} from '../src/index.js';
import { appliedEvents, counts, countingHandler } from './support/counting-handler.js';
import { happyPath, Stream, at, defined } from './support/builders.js';

const { kafkaBrokers, redisUrl } = testInfra();
const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'events-consumer-test' });
const redis = redisClient(redisUrl);
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.quit();
});

async function setup(label: string, partitions: number) {
  const names = isolatedNames(label);
  const topics = await ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: partitions });
  cleanups.push(() => deleteKeysWithPrefix(redis, names.keyPrefix));
  cleanups.push(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topicNames(names.topicPrefix)) });
    await admin.disconnect();
  });
  return { names, topics };
}

async function publish(topic: string, events: Parameters<EventProducer['publish']>[1]) {
  const producer = new EventProducer(kafka);
  await producer.connect();
  await producer.publish(topic, events);
  await producer.disconnect();
}

type ConsumerOptions = ConstructorParameters<typeof EventConsumer>[1];

/** A consumer of the enrollment events topic of `topics`, dead-lettering to its dead-letter topic. */
function consumer(
  topics: TopicNames,
  options: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'groupId' | 'handler'>,
) {
  const c = new EventConsumer(kafka, {
    topics: [topics.enrollmentEvents],
    deadLetterTopic: topics.deadLetter,
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
    retry: { initialMs: 20, maxMs: 200 },
    ...options,
  });
  cleanups.push(() => c.stop());
  return c;
}

/** A handler that keeps what it is given. */
function collect(into: ConsumedEvent[]) {
  return (consumed: ConsumedEvent) => {
    into.push(consumed);
    return Promise.resolve();
  };
}

const MODES: EnrollmentMode[] = ['capture', 'import', 'recapture'];

/** `count` happy-path enrollments, the modes in turn, published to a fresh set of topics. */
async function published(label: string, partitions: number, count: number) {
  const { names, topics } = await setup(label, partitions);
  const streams = Array.from({ length: count }, (_, i) => happyPath(`${label}-${i}`, at(MODES, i % 3)));
  const all = streams.flatMap((s) => s.events);
  await publish(topics.enrollmentEvents, all);
  return { names, topics, streams, all };
}

describe('EventConsumer round trip', () => {
  it('survives a SIGKILLed member mid-batch: a new member resumes, nothing lost, nothing applied twice', async () => {
    const { names, topics, streams, all } = await published('consumer-crash', 3, 30);
    const groupId = `${names.groupPrefix}crash`;

    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/crash-consumer.ts', import.meta.url)),
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers.join(','),
          REDIS_URL: redisUrl,
          KEY_PREFIX: names.keyPrefix,
          BLOCK_AFTER: '6',
          GROUP_ID: groupId,
          TOPIC: topics.enrollmentEvents,
          DLQ_TOPIC: topics.deadLetter,
        },
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(() => Promise.resolve(child.kill('SIGKILL')));
    const handledBeforeCrash = Number(
      await waitFor('the child consumer to block', () => redis.get(`${names.keyPrefix}blocked`)),
    );
    expect(handledBeforeCrash).toBe(5);
    child.kill('SIGKILL');
    await exited;

    const survivor = consumer(topics, {
      groupId,
      dedupe: new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}dedupe:` }),
      handler: countingHandler(redis, names.keyPrefix),
    });
    await survivor.start();
    await waitFor(
      'every event to be applied',
      async () => Object.keys(await counts(redis, names.keyPrefix)).length === all.length,
    );
    const applied = await counts(redis, names.keyPrefix);
    expect(Object.values(applied).every((n) => n === 1)).toBe(true);
    // The child's handled events were never committed: they came back and the dedupe absorbed them.
    expect(survivor.stats).toMatchObject({ handled: all.length - 5, duplicates: 5, deadLettered: 0 });
    for (const s of streams) {
      expect(fold(await appliedEvents(redis, names.keyPrefix, s.id))).toEqual(fold(s.events));
    }
    await survivor.stop();
  });

  it('stop() mid-stream commits what finished; a new member in the group continues exactly where it stopped', async () => {
    const { names, topics, streams, all } = await published('consumer-stop', 3, 40);
    const groupId = `${names.groupPrefix}stop`;
    const dedupe = new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}dedupe:` });
    const count = countingHandler(redis, names.keyPrefix);

    const member = (handler: ConsumerOptions['handler']) => consumer(topics, { groupId, dedupe, handler });
    // The handler itself triggers stop (without awaiting it: stop waits for the handler) so the cut is deterministic.
    let firstHandled = 0;
    let stopping: { done: Promise<void> } | undefined;
    const first = member(async (e) => {
      await count(e);
      if (++firstHandled === 50) stopping = { done: first.stop() };
    });
    await first.start();
    await (
      await waitFor('the first member to stop itself', () => stopping)
    ).done;
    const stoppedAt = first.stats.handled;
    expect(stoppedAt).toBeLessThan(all.length);

    const second = member(count);
    await second.start();
    await waitFor(
      'every event to be applied',
      async () => Object.keys(await counts(redis, names.keyPrefix)).length === all.length,
    );
    expect(Object.values(await counts(redis, names.keyPrefix)).every((n) => n === 1)).toBe(true);
    // Committed on stop: the second member was not handed the first member's work again.
    expect(second.stats).toMatchObject({ handled: all.length - stoppedAt, duplicates: 0 });
    for (const s of streams)
      expect(fold(await appliedEvents(redis, names.keyPrefix, s.id))).toEqual(fold(s.events));
    await second.stop();
  });
});

describe('EventConsumer failure handling', () => {
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

// Acceptance: a rebuild under load (events still flowing) ends with the read model equal to a fresh fold of
// the event log, and readers never see the new keyspace before it is complete.
import { deleteKeysWithPrefix, isolatedNames, testInfra } from '@verified-onboard/devstack';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKafka,
  ensureTopics,
  EventConsumer,
  EventProducer,
  fold,
  LiveReadModel,
  ProjectionRebuild,
  ReadModel,
  scanEventLog,
  topicNames,
  type EnrollmentEvent,
} from '../src/index.js';
import { happyPath } from './support/builders.js';

const { kafkaBrokers, redisUrl } = testInfra();
const names = isolatedNames('events-rebuild');
const kafka = createKafka({ brokers: kafkaBrokers, clientId: names.id });
const topics = topicNames(names.topicPrefix);
const redis = new Redis(redisUrl);
const base = names.keyPrefix;
const producer = new EventProducer(kafka);
const live = new LiveReadModel(redis, base, { refreshMs: 100 });
const projector = new EventConsumer(kafka, {
  groupId: `${names.groupPrefix}projector`,
  topics: [topics.enrollmentEvents],
  fromBeginning: true,
  deadLetterTopic: topics.deadLetter,
  handler: async ({ event }) => void (await live.applyEvent(event as EnrollmentEvent)),
});

beforeAll(async () => {
  await ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 3 });
  await producer.connect();
  await projector.start();
});

afterAll(async () => {
  await projector.stop();
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  await deleteKeysWithPrefix(redis, base);
  await redis.quit();
});

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ProjectionRebuild under load', () => {
  it('ends with the read model equal to a fresh fold of the log, switching only when complete', async () => {
    const modes = ['capture', 'import', 'recapture'] as const;
    let n = 0;
    // Enrollments keep flowing, one event at a time in stream order, for the whole rebuild.
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        const stream = happyPath(`rb-${n}`, modes[n % 3]!);
        n++;
        for (const event of stream.events) await producer.publish(topics.enrollmentEvents, [event]);
      }
    })();
    await waitFor(
      'some enrollments projected',
      async () => (await new ReadModel(redis, { prefix: base }).get('rb-20'))?.status === 'completed',
    );

    const rebuild = new ProjectionRebuild(redis, kafka, {
      basePrefix: base,
      topic: topics.enrollmentEvents,
      observeMs: 300,
      dropAfterMs: 60_000,
    });
    const { status, done } = await rebuild.start('test');
    // While it runs, readers stay on the old keyspace.
    expect(await ReadModel.activeKeyspace(redis, base)).toBe(base);
    const finished = await done;
    expect(finished).toMatchObject({
      state: 'completed',
      previousPrefix: base,
      targetPrefix: status.targetPrefix,
    });
    expect(finished.events).toBeGreaterThan(0);
    expect(await ReadModel.activeKeyspace(redis, base)).toBe(status.targetPrefix);

    flowing = false;
    await flow;
    const total = n;
    const active = new ReadModel(redis, { prefix: status.targetPrefix });
    await waitFor(
      'the live projector to catch up in the new keyspace',
      async () => (await active.get(`rb-${total - 1}`))?.status === 'completed',
    );

    const log = new Map<string, EnrollmentEvent[]>();
    await scanEventLog(kafka, {
      topic: topics.enrollmentEvents,
      onEvent: (e) =>
        void (log.get(e.subject) ?? log.set(e.subject, []).get(e.subject)!).push(e as EnrollmentEvent),
    });
    expect(log.size).toBe(total);
    for (const [id, events] of log) {
      expect(await active.get(id)).toEqual(fold(events));
      expect(await active.events(id)).toEqual(events);
    }
  });
});

describe('ProjectionRebuild status', () => {
  it('reports a rebuild whose claim lapsed (its process died) as failed, and a new one may start', async () => {
    const prefix = `${names.keyPrefix}abandoned:`;
    const rebuild = new ProjectionRebuild(redis, kafka, {
      basePrefix: prefix,
      topic: topics.enrollmentEvents,
      observeMs: 0,
    });
    await redis.set(
      `${prefix}rm-rebuild`,
      JSON.stringify({
        id: 'gone',
        state: 'running',
        targetPrefix: `${prefix}rb-gone:`,
        previousPrefix: null,
        requestedBy: 'x',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        events: 0,
        enrollments: 0,
        error: null,
      }),
    );
    expect(await rebuild.status()).toMatchObject({
      id: 'gone',
      state: 'failed',
      error: expect.stringContaining('abandoned'),
    });
    const { done } = await rebuild.start('test');
    expect((await done).state).toBe('completed');
    expect(await rebuild.status()).toMatchObject({ state: 'completed' });
  });
});

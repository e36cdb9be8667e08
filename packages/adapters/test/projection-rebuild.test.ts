// Acceptance: a rebuild under load (events still flowing) ends with the read model equal to a fresh fold of
// the event log, and readers never see the new keyspace before it is complete.
import { isolatedNames, waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fold, type EnrollmentEvent } from '@verified-onboard/events';
import {
  EventConsumer,
  EventProducer,
  LiveReadModel,
  ProjectionRebuild,
  ReadModel,
  scanEventLog,
} from '../src/index.js';
import { at, happyPath } from './support/builders.js';
import { useKafka, useRedis } from './support/infra.js';

const names = isolatedNames('events-rebuild');
const { kafka, topics } = useKafka(names, { enrollmentPartitions: 3 });
const redis = useRedis(names);
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
  await producer.connect();
  await projector.start();
});

afterAll(async () => {
  await projector.stop();
  await producer.disconnect();
});

const UNDER_LOAD = { timeoutMs: 60_000 };

describe('ProjectionRebuild under load', () => {
  it('ends with the read model equal to a fresh fold of the log, switching only when complete', async () => {
    const modes = ['capture', 'import', 'recapture'] as const;
    let n = 0;
    // Enrollments keep flowing, one event at a time in stream order, for the whole rebuild.
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        const stream = happyPath(`rb-${n}`, at(modes, n % 3));
        n++;
        for (const event of stream.events) await producer.publish(topics.enrollmentEvents, [event]);
      }
    })();
    await waitFor(
      'some enrollments projected',
      async () => (await new ReadModel(redis, { prefix: base }).get('rb-20'))?.status === 'completed',
      UNDER_LOAD,
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
      UNDER_LOAD,
    );

    const log = new Map<string, EnrollmentEvent[]>();
    await scanEventLog(kafka, {
      topic: topics.enrollmentEvents,
      onEvent: (e) => {
        log.set(e.subject, [...(log.get(e.subject) ?? []), e as EnrollmentEvent]);
      },
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
      rebuild.statusKey,
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
    const abandoned = await rebuild.status();
    expect(abandoned).toMatchObject({ id: 'gone', state: 'failed' });
    expect(abandoned?.error).toContain('abandoned');
    const { done } = await rebuild.start('test');
    expect((await done).state).toBe('completed');
    expect(await rebuild.status()).toMatchObject({ state: 'completed' });
  });
});

// scanEventLog reads the log once up to the end it had at the start, from the beginning or from a time,
// without touching any live consumer group; ops replay and the demo's timelines rely on it.
import { isolatedNames, waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope } from '@verified-onboard/events';
import { EventProducer, readEnrollmentStreams, scanEventLog } from '../src/index.js';
import { happyPath, defined } from './support/builders.js';
import { useKafka } from './support/infra.js';

const names = isolatedNames('events-scan');
const { kafka, topics } = useKafka(names, { enrollmentPartitions: 3 });
const producer = new EventProducer(kafka);
const streams = ['scan-a', 'scan-b', 'scan-c', 'scan-d'].map((id) => happyPath(id, 'capture'));

beforeAll(async () => {
  await producer.connect();
  for (const stream of streams) await producer.publish(topics.enrollmentEvents, stream.events);
});

afterAll(async () => {
  await producer.disconnect();
});

describe('scanEventLog', () => {
  it('reads every event up to the end of the log, in order per enrollment', async () => {
    const seen: EventEnvelope[] = [];
    const result = await scanEventLog(kafka, {
      topic: topics.enrollmentEvents,
      onEvent: (e) => void seen.push(e),
    });
    const total = streams.reduce((n, s) => n + s.events.length, 0);
    expect(result).toEqual({ events: total, undecodable: 0 });
    for (const stream of streams) {
      expect(seen.filter((e) => e.subject === stream.id).map((e) => e.id)).toEqual(
        stream.events.map((e) => e.id),
      );
    }
  });

  it('stops at the end it saw at the start, even while more is being written', async () => {
    const later = happyPath('scan-late', 'capture');
    let published = false;
    const seen: EventEnvelope[] = [];
    await scanEventLog(kafka, {
      topic: topics.enrollmentEvents,
      onEvent: async (e) => {
        seen.push(e);
        if (!published) {
          published = true;
          await producer.publish(topics.enrollmentEvents, later.events);
        }
      },
    });
    expect(seen.some((e) => e.subject === 'scan-late')).toBe(false);
  });

  it('starts at a point in time: nothing written before it is read', async () => {
    const from = Date.now() + 1;
    // Records carry the producer's clock: what is published once it passed `from` is stamped after it.
    await waitFor('the clock past the start time', () => Date.now() > from, { intervalMs: 1 });
    const fresh = happyPath('scan-fresh', 'import');
    await producer.publish(topics.enrollmentEvents, fresh.events);
    const seen: string[] = [];
    await scanEventLog(kafka, {
      topic: topics.enrollmentEvents,
      fromTimestamp: from,
      onEvent: (e) => void seen.push(e.subject),
    });
    expect(new Set(seen)).toEqual(new Set(['scan-fresh']));
  });

  it('commits nothing for anybody: no consumer group is left behind', async () => {
    await scanEventLog(kafka, { topic: topics.enrollmentEvents, onEvent: () => undefined });
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(groups.filter((g) => g.groupId.startsWith('log-scan-'))).toEqual([]);
  });
});

describe('readEnrollmentStreams', () => {
  it('returns the streams of the enrollments whose requested event is selected, each in order', async () => {
    const streams = await readEnrollmentStreams(kafka, {
      topic: topics.enrollmentEvents,
      select: (requested) => requested.subject === 'scan-a' || requested.subject === 'scan-c',
    });
    expect([...streams.keys()].sort()).toEqual(['scan-a', 'scan-c']);
    for (const stream of [defined(streams.get('scan-a')), defined(streams.get('scan-c'))]) {
      expect(stream.map((e) => e.sequence)).toEqual(stream.map((_, i) => i + 1));
    }
    expect(defined(streams.get('scan-a')).map((e) => e.id)).toEqual(
      happyPath('scan-a', 'capture').events.map((e) => e.id),
    );
  });
});

// What the EventConsumer tests share: a Kafka and a Redis on the test infrastructure, fresh topics per test,
// a consumer with short timeouts that is stopped after the file, and handlers that keep what they get.
import { deleteKeysWithPrefix, isolatedNames, redisClient, testInfra } from '@verified-onboard/devstack';
import { afterAll } from 'vitest';
import { topicNames, type EnrollmentMode, type TopicNames } from '@verified-onboard/events';
import {
  createKafka,
  ensureTopics,
  EventConsumer,
  EventProducer,
  type ConsumedEvent,
} from '../../src/index.js';
import { at, happyPath } from './builders.js';

export const { kafkaBrokers, redisUrl } = testInfra();
export const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'events-consumer-test' });
export const redis = redisClient(redisUrl);
export const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await redis.quit();
});

export async function setup(label: string, partitions: number) {
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

export async function publish(topic: string, events: Parameters<EventProducer['publish']>[1]) {
  const producer = new EventProducer(kafka);
  await producer.connect();
  await producer.publish(topic, events);
  await producer.disconnect();
}

export type ConsumerOptions = ConstructorParameters<typeof EventConsumer>[1];

/** A consumer of the enrollment events topic of `topics`, dead-lettering to its dead-letter topic. */
export function consumer(
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
export function collect(into: ConsumedEvent[]) {
  return (consumed: ConsumedEvent) => {
    into.push(consumed);
    return Promise.resolve();
  };
}

const MODES: EnrollmentMode[] = ['capture', 'import', 'recapture'];

/** `count` happy-path enrollments, the modes in turn, published to a fresh set of topics. */
export async function published(label: string, partitions: number, count: number) {
  const { names, topics } = await setup(label, partitions);
  const streams = Array.from({ length: count }, (_, i) => happyPath(`${label}-${i}`, at(MODES, i % 3)));
  const all = streams.flatMap((s) => s.events);
  await publish(topics.enrollmentEvents, all);
  return { names, topics, streams, all };
}

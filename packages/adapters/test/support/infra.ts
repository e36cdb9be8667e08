import { deleteKeysWithPrefix, isolatedNames, redisClient, testInfra } from '@verified-onboard/devstack';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { topicNames, type TopicNames, type TopicOverrides } from '@verified-onboard/events';
import { createKafka, ensureTopics, type Kafka } from '../../src/index.js';

export type TestNames = ReturnType<typeof isolatedNames>;

/** A Redis connection for the file's tests; after them, the keys under `names.keyPrefix` go and it closes. */
export function useRedis(names: TestNames): Redis {
  const redis = redisClient(testInfra().redisUrl);
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, names.keyPrefix);
    await redis.quit();
  });
  return redis;
}

/**
 * A Kafka client for the file's tests and the catalogue's topics under `names.topicPrefix`: created before
 * the tests with `topics` (when given), deleted after them.
 */
export function useKafka(names: TestNames, topics?: TopicOverrides): { kafka: Kafka; topics: TopicNames } {
  const kafka = createKafka({ brokers: testInfra().kafkaBrokers, clientId: names.id });
  if (topics) {
    beforeAll(async () => {
      await ensureTopics(kafka, names.topicPrefix, topics);
    });
  }
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topicNames(names.topicPrefix)) }).catch(() => undefined);
    await admin.disconnect();
  });
  return { kafka, topics: topicNames(names.topicPrefix) };
}

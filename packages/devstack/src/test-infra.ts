import { randomBytes } from 'node:crypto';

export interface TestInfra {
  redisUrl: string;
  kafkaBrokers: string[];
}

/** Redis and Kafka for this test run, as provided by the global setup (never a fake). */
export function testInfra(): TestInfra {
  const redisUrl = process.env.REDIS_URL;
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  if (!redisUrl || !kafkaBrokers) {
    throw new Error(
      'REDIS_URL and KAFKA_BROKERS are unset: run tests through vitest with the workspace config (npm test)',
    );
  }
  return { redisUrl, kafkaBrokers: kafkaBrokers.split(',') };
}

/**
 * Names no other test file uses, so files run in parallel against one Redis and one broker:
 * a BullMQ queue prefix, a Kafka topic prefix, a consumer-group prefix and a Redis key prefix.
 */
export function isolatedNames(label: string) {
  const id = `${label.replace(/[^a-zA-Z0-9]/g, '-').slice(0, 24)}-${randomBytes(4).toString('hex')}`;
  return {
    id,
    queuePrefix: `t-${id}`,
    topicPrefix: `t-${id}.`,
    groupPrefix: `t-${id}-`,
    keyPrefix: `t-${id}:`,
  };
}

import { Writable } from 'node:stream';
import { isolatedNames, testInfra } from '@verified-onboard/devstack';
import {
  createKafka,
  decodeEvent,
  ensureTopics,
  ReadModel,
  topicNames,
  type EventEnvelope,
  type Kafka,
} from '@verified-onboard/events';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type ApiConfig } from '../../src/config.js';

export const KEYS = {
  all: { id: 'all', secret: 'all-secret-123', scopes: 'enrollments:write+enrollments:read+ops' },
  reader: { id: 'reader', secret: 'reader-secret-123', scopes: 'enrollments:read' },
  writer: { id: 'writer', secret: 'writer-secret-123', scopes: 'enrollments:write+enrollments:read' },
} as const;
export const API_KEYS = Object.values(KEYS)
  .map((key) => `${key.id}:${key.secret}:${key.scopes}`)
  .join(',');

export const bearer = (key: { id: string; secret: string }) => ({
  authorization: `Bearer ${key.id}:${key.secret}`,
});
export const AUTH = bearer(KEYS.all);

/** Collects log lines the app writes, so tests can assert what reached (and did not reach) the log. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: FastifyInstance;
  config: ApiConfig;
  redis: Redis;
  kafka: Kafka;
  topics: ReturnType<typeof topicNames>;
  names: ReturnType<typeof isolatedNames>;
  readModel: ReadModel;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  deps?: Partial<AppDeps>;
  /** Skip topic creation (the Kafka-down test points at a closed port). */
  kafka?: Kafka;
  names?: ReturnType<typeof isolatedNames>;
}

export async function startTestApp(label: string, options: TestAppOptions = {}): Promise<TestApp> {
  const infra = testInfra();
  const names = options.names ?? isolatedNames(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: names.topicPrefix,
    QUEUE_PREFIX: names.queuePrefix,
    API_KEYS,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const redis = new Redis(config.redisUrl);
  const kafka =
    options.kafka ?? createKafka({ brokers: config.kafkaBrokers, clientId: `api-test-${names.id}` });
  if (!options.kafka)
    await ensureTopics(kafka, config.topicPrefix, { enrollmentPartitions: 3, hintPartitions: 1 });
  const logs = new LogCapture();
  const app = await buildApp(config, { redis, kafka, logDestination: logs, ...options.deps });
  await app.ready();
  return {
    app,
    config,
    redis,
    kafka,
    topics: topicNames(config.topicPrefix),
    names,
    readModel: new ReadModel(redis, { prefix: `${config.keyPrefix}:` }),
    logs,
    async close() {
      await app.close();
      redis.disconnect();
    },
  };
}

/** Polls `probe` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every event on `topics`, from the beginning, decoded; one consumer group per collector. */
export async function collectEvents(kafka: Kafka, topics: string[], groupId: string) {
  const events: (EventEnvelope & { topic: string; key: string | null })[] = [];
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      events.push({ ...decodeEvent(message), topic, key: message.key?.toString() ?? null });
    },
  });
  await waitFor(() => joined, 'the collector to join its group', 30_000);
  return {
    events,
    async stop() {
      await consumer.disconnect();
    },
  };
}

/** Messages on a topic (sum of partition high watermarks): exact for a topic only this file writes. */
export async function messageCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

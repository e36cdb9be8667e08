import { sharedKeys } from '@verified-onboard/contracts';
import { Writable } from 'node:stream';
import { isolatedNames, keysMatching, redisClient, testInfra } from '@verified-onboard/devstack';
import { Keyring, topicNames } from '@verified-onboard/events';
import { createKafka, ensureTopics, ReadModel, type Kafka } from '@verified-onboard/adapters';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type ApiConfig } from '../../src/config.js';
import { redisKeys, type RedisKeys } from '../../src/enrollments/keys.js';
import { PROBLEM_CONTENT_TYPE } from '../../src/errors.js';
import { problemSchema } from '../../src/http/error-schema.js';
import { Collector } from './collector.js';

export const KEYS = {
  all: {
    id: 'all',
    secret: 'all-secret-0123456789abcdef0123456789',
    scopes: 'enrollments:write+enrollments:read+ops',
  },
  reader: { id: 'reader', secret: 'reader-secret-0123456789abcdef01234567', scopes: 'enrollments:read' },
  writer: {
    id: 'writer',
    secret: 'writer-secret-0123456789abcdef01234567',
    scopes: 'enrollments:write+enrollments:read',
  },
} as const;
/** The `API_KEYS` value that configures these keys. */
export const apiKeysSpec = (keys: Record<string, { id: string; secret: string; scopes: string }>) =>
  Object.values(keys)
    .map((key) => `${key.id}:${key.secret}:${key.scopes}`)
    .join(',');
export const API_KEYS = apiKeysSpec(KEYS);

export const bearer = (key: { id: string; secret: string }) => ({
  authorization: `Bearer ${key.id}:${key.secret}`,
});
export const AUTH = bearer(KEYS.all);
/** What a browser sends after a Basic challenge. */
export const basic = (key: { id: string; secret: string }) => ({
  authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`,
});

/** A JSON body read through the route's response schema: a typed value, and a body of another shape fails here. */
export const bodyOf = <S extends z.ZodType>(res: LightMyRequestResponse, schema: S): z.output<S> =>
  schema.parse(res.json());
/**
 * A refusal read as `{ code, message, details }` from its RFC 9457 problem body; an answer that is not
 * `application/problem+json` of that shape fails here.
 */
export const errorOf = (res: LightMyRequestResponse) => {
  const contentType = String(res.headers['content-type'] ?? '');
  if (!contentType.startsWith(PROBLEM_CONTENT_TYPE))
    throw new Error(`expected ${PROBLEM_CONTENT_TYPE}, got "${contentType}" (status ${res.statusCode})`);
  const problem = bodyOf(res, problemSchema);
  return { code: problem.code, message: problem.detail, details: problem.errors ?? [] };
};

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
  /** The api's own Redis key builders for this app's prefix. */
  keys: RedisKeys;
  logs: LogCapture;
  /** GET with the all-scopes key unless other headers are given (`{}`: anonymous). */
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST with the all-scopes key unless other headers are given (`{}`: anonymous). */
  post(
    url: string,
    payload?: string | object,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Stores an enrollment's capture URL as the worker does: sealed by the keyring under its Redis key. */
  storeCaptureUrl(enrollmentId: string, url: string): Promise<void>;
  /** This app's Redis keys whose name contains `fragment` (for keys a package names privately). */
  keysNaming(fragment: string): Promise<string[]>;
  /** A collector on these topics from their beginning; stopped by `close`. */
  collect(...topics: string[]): Promise<Collector>;
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
    // The emulator's webhook secret and the dev selfie key (packages/events dev-defaults.ts).
    ALLOW_DEV_DEFAULTS: '1',
    NODE_ENV: 'test',
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: names.topicPrefix,
    QUEUE_PREFIX: names.queuePrefix,
    API_KEYS,
    LOG_LEVEL: 'info',
    // Tests present wrong keys on purpose from one address; the limiter's own test sets its limits.
    API_AUTH_FAILURES_PER_ADDRESS: '1000000',
    ...options.env,
  });
  const redis = redisClient(config.redisUrl);
  const kafka =
    options.kafka ?? createKafka({ brokers: config.kafkaBrokers, clientId: `api-test-${names.id}` });
  if (!options.kafka)
    await ensureTopics(kafka, config.topicPrefix, { enrollmentPartitions: 3, hintPartitions: 1 });
  const logs = new LogCapture();
  const app = await buildApp(config, { redis, kafka, logDestination: logs, ...options.deps });
  await app.ready();
  const collectors: Collector[] = [];
  return {
    app,
    config,
    redis,
    kafka,
    topics: topicNames(config.topicPrefix),
    names,
    readModel: new ReadModel(redis, { prefix: sharedKeys(config.keyPrefix).readModelBase }),
    keys: redisKeys(config.keyPrefix),
    logs,
    get: (url, headers = AUTH) => app.inject({ method: 'GET', url, headers }),
    post: (url, payload, headers = AUTH) =>
      app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) }),
    async storeCaptureUrl(enrollmentId, url) {
      const key = redisKeys(config.keyPrefix).captureUrl(enrollmentId);
      await redis.set(key, Keyring.from(config.keyring).sealText(url, key), 'EX', 60);
    },
    keysNaming: (fragment) => keysMatching(redis, `${config.keyPrefix}:*${fragment}*`),
    async collect(...topics) {
      const collector = await Collector.start(
        kafka,
        topics,
        `${names.groupPrefix}collector-${collectors.length}`,
      );
      collectors.push(collector);
      return collector;
    },
    async close() {
      for (const collector of collectors) await collector.stop();
      await app.close();
      redis.disconnect();
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

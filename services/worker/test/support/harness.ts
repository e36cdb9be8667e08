import { sharedKeys } from '@verified-onboard/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { isolatedNames, redisClient, testInfra, waitFor } from '@verified-onboard/devstack';
import {
  EVENT_TYPES,
  type EnrollmentState,
  type EventEnvelope,
  type RequestedData,
} from '@verified-onboard/events';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  LiveReadModel,
  type Kafka,
} from '@verified-onboard/adapters';
import { requestedEvent } from '@verified-onboard/testkit';
import { startEmulator, type RunningEmulator, type ScenarioPatch } from '@verified-onboard/verified-emulator';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type WorkerConfig } from '../../src/config.js';
import { workerKeys, type WorkerKeys } from '../../src/keys.js';
import { TEST_SOURCE } from './events.js';
import { startWorker, type RunningWorker } from '../../src/worker-app.js';

export { captureFinishedHint, opsRetry, TEST_SOURCE, webhookHint } from './events.js';

/** Collects every log line of a logger, to assert that no secret ever reached one. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.lines.push(chunk.toString('utf8'));
      done();
    },
  });
  logger(level = 'debug'): Logger {
    return pino({ level }, this.stream);
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface Harness {
  names: ReturnType<typeof isolatedNames>;
  /** The worker's Redis keys under this harness's prefix. */
  keys: WorkerKeys;
  redisUrl: string;
  kafkaBrokers: string[];
  kafka: Kafka;
  producer: EventProducer;
  redis: Redis;
  emulator: RunningEmulator;
  readModel: LiveReadModel;
  env: Record<string, string>;
  config(overrides?: Record<string, string>): WorkerConfig;
  scenario(patch: ScenarioPatch): Promise<void>;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  request(overrides?: Partial<RequestedData>): Promise<EventEnvelope<typeof EVENT_TYPES.requested>>;
  publishEnrollment(event: EventEnvelope): Promise<void>;
  publishHint(event: EventEnvelope): Promise<void>;
  state(enrollmentId: string): Promise<EnrollmentState | null>;
  waitForStatus(enrollmentId: string, statuses: string[], timeoutMs?: number): Promise<EnrollmentState>;
  close(): Promise<void>;
}

export interface EmulatorAccountView {
  accountNumber: string;
  createAttempts: number;
  credentials: number;
  credentialCreates: number;
  credentialKind: 'proofed' | 'biometric' | null;
}

/** Real Redis, real Kafka (per-file topic and queue prefixes) and an in-process emulator on a random port. */
export async function createHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const { redisUrl, kafkaBrokers } = testInfra();
  const names = isolatedNames(label);
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: `test-${names.id}` });
  await ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 3, hintPartitions: 2 });
  const producer = new EventProducer(kafka, { topicPrefix: names.topicPrefix });
  await producer.connect();
  const redis = redisClient(redisUrl);
  const emulator = await startEmulator({ port: 0 });
  // Follows the keyspace a projection rebuild switches readers to, as the worker's projector does.
  const readModel = new LiveReadModel(redis, sharedKeys(names.queuePrefix).readModelBase, { refreshMs: 0 });
  const baseEnv: Record<string, string> = {
    // The emulator's vendor keys, webhook secret and the dev selfie key (packages/events dev-defaults.ts).
    ALLOW_DEV_DEFAULTS: '1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: names.topicPrefix,
    KAFKA_CLIENT_ID: `worker-${names.id}`,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    WORKER_PIPELINE_GROUP: `${names.groupPrefix}pipeline`,
    WORKER_PROJECTOR_GROUP: `${names.groupPrefix}projector`,
    QUEUE_PREFIX: names.queuePrefix,
    VERIFIED_BASE_URL: emulator.baseUrl,
    VERIFIED_TIMEOUT_MS: '2000',
    VERIFIED_RATE_LIMIT_PER_SEC: '500',
    WORKER_METRICS_PORT: '0',
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_CONCURRENCY: '16',
    WORKER_BACKOFF_BASE_MS: '50',
    WORKER_BACKOFF_MAX_MS: '1000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_SHUTDOWN_TIMEOUT_MS: '5000',
    POLL_INITIAL_INTERVAL_MS: '100',
    POLL_FAST_PHASE_MS: '2000',
    POLL_MAX_INTERVAL_MS: '500',
    POLL_GRACE_MS: '500',
    POLL_HINT_RECHECK_MS: '100',
    POLL_DISPATCH_INTERVAL_MS: '50',
    // Tests that register a webhook with a stand-in that feeds no hints back still finish by polling.
    POLL_WEBHOOK_INTERVAL_MS: '300',
    ...env,
  };
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(
      `${emulator.baseUrl}${path}`,
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const state = (id: string) => readModel.get(id);
  return {
    names,
    keys: workerKeys(names.queuePrefix),
    redisUrl,
    kafkaBrokers,
    kafka,
    producer,
    redis,
    emulator,
    readModel,
    env: baseEnv,
    config: (overrides = {}) => loadConfig({ ...baseEnv, ...overrides }),
    scenario: async (patch) => {
      await control('PUT', '/_emulator/scenario', patch);
    },
    control,
    request: (overrides = {}) =>
      Promise.resolve(
        requestedEvent(overrides.enrollmentId ?? randomUUID(), overrides, {
          source: TEST_SOURCE,
          correlationId: randomUUID(),
        }),
      ),
    publishEnrollment: (event) => producer.publish('enrollmentEvents', [event]),
    publishHint: (event) => producer.publish('hints', [event]),
    state,
    waitForStatus: (id, statuses, timeoutMs = 30_000) =>
      waitFor(
        `enrollment ${id} in ${statuses.join('|')}`,
        async () => {
          const s = await state(id);
          return s && statuses.includes(s.status) ? s : null;
        },
        { timeoutMs },
      ),
    async close() {
      await producer.disconnect();
      await emulator.close();
      redis.disconnect();
    },
  };
}

/** A harness that also starts workers; what it started is stopped before the harness closes. */
export interface FileHarness extends Harness {
  startWorker(
    overrides?: Record<string, string>,
    deps?: Parameters<typeof startWorker>[1],
  ): Promise<RunningWorker>;
}

/**
 * The harness of a test file: created before its first test, closed after its last, with the workers
 * its tests start stopped first. Usable in hooks and tests only (before that it does not exist yet).
 */
export function useHarness(label: string, env: Record<string, string> = {}): FileHarness {
  let harness: Harness | undefined;
  const workers: RunningWorker[] = [];
  beforeAll(async () => {
    harness = await createHarness(label, env);
  });
  afterAll(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    await harness?.close();
  });
  const current = (): Harness => {
    assert.ok(harness, `the ${label} harness is used outside a hook or test`);
    return harness;
  };
  const start: FileHarness['startWorker'] = async (overrides = {}, deps) => {
    const worker = await startWorker(current().config(overrides), deps);
    workers.push(worker);
    return worker;
  };
  return new Proxy({} as FileHarness, {
    get: (_, key) => (key === 'startWorker' ? start : (Reflect.get(current(), key) as unknown)),
  });
}

/**
 * A stand-in for the api's webhook route on a random port, for the file's tests: `onDelivery` sees each
 * delivery (its body and X-Signature) before the 204 (a 500 if it fails).
 */
export function useWebhookStandIn(onDelivery: (body: string, signature: string | undefined) => unknown): {
  url(): string;
} {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const signature = req.headers['x-signature'];
      void Promise.resolve()
        .then(() => onDelivery(body, typeof signature === 'string' ? signature : undefined))
        .then(
          () => res.writeHead(204).end(),
          () => res.writeHead(500).end(),
        );
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/verified`,
  };
}

/** Upstream calls the emulator counted for `endpoint` so far. */
export async function upstreamCalls(h: Harness, endpoint: string): Promise<number> {
  const stats = await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats');
  return stats.calls[endpoint] ?? 0;
}

export async function emulatorAccounts(h: Harness): Promise<Map<string, EmulatorAccountView>> {
  const body = await h.control<{ accounts: EmulatorAccountView[] }>('GET', '/_emulator/accounts');
  return new Map(body.accounts.map((a) => [a.accountNumber, a]));
}

// A whole stack (emulator, api, worker as real processes) isolated from everything else on the machine: its
// own ports, process names, BullMQ/Redis prefix, topic prefix and consumer groups, and optionally its own
// Kafka broker (the soak restarts it, which must not touch a broker other tests share).
import { parseQueuePrefix } from '@verified-onboard/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  isAlive,
  isPortOpen,
  logFile,
  recordedPid,
  startService,
  stopManaged,
  waitFor,
} from '@verified-onboard/devstack';
import { DEV_API_KEY_CREDENTIAL as DEV_API_KEY } from '@verified-onboard/events';
import { requestJson } from './e2e-http.js';
import { dropKeys, resolveKafka, resolveRedis } from './e2e-infra.js';

export type Say = (line: string) => void;

export { HttpStatusError, requestJson } from './e2e-http.js';

export interface E2eStackOptions {
  /** Names the processes, prefixes and logs (letters, digits and dashes). */
  label: string;
  /**
   * `shared`: the broker on KAFKA_BROKERS (the test run's); `private`: a fresh single-node broker of its own on
   * free ports, which `restartKafka()` can stop and start again on the same data.
   */
  kafka: 'shared' | 'private';
  /** Redis to use; default REDIS_URL, else 127.0.0.1:6379 when it answers, else a private redis-server. */
  redisUrl?: string;
  /** Extra worker environment (attempts, backoff, poll schedule...), on top of the stack's own. */
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  /** Initial emulator scenario (the body of PUT /_emulator/scenario). */
  scenario?: unknown;
  /** Keep the process logs after stop() (the soak does, so a failure can be investigated). */
  keepLogs?: boolean;
  say?: Say;
}

export interface E2eStack {
  readonly id: string;
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly apiKey: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string[];
  readonly queuePrefix: string;
  readonly topicPrefix: string;
  /** The worker's environment as started (so checks can read its attempts, timeouts...). */
  readonly workerEnv: Readonly<Record<string, string>>;
  logFiles(): Record<string, string>;
  workerPid(): number | null;
  /** SIGKILL, like a host dying: no shutdown hook runs. Resolves once the process is gone. */
  killWorker(): Promise<number>;
  /** Starts the worker unless it is running, and waits until it listens. Returns its pid. */
  startWorker(): Promise<number>;
  /** Stops the private broker (SIGTERM) and starts it again on the same port and data directory. */
  restartKafka(): Promise<void>;
  api<T>(path: string, init?: RequestInit): Promise<T>;
  emulator<T>(path: string, init?: RequestInit): Promise<T>;
  scenario(patch: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

const entries = {
  emulator: 'packages/verified-emulator/src/main.ts',
  api: 'services/api/src/main.ts',
  worker: 'services/worker/src/main.ts',
} as const;
type ServiceName = keyof typeof entries;

export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  const say = options.say ?? (() => undefined);
  const id = `${options.label.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 20)}-${randomBytes(3).toString('hex')}`;
  const privateDir = mkdtempSync(join(tmpdir(), `vo-e2e-${id}-`));
  const queuePrefix = `e2e-${id}`;
  const topicPrefix = `e2e-${id}.`;
  const processName = (service: ServiceName) => `e2e-${id}-${service}`;
  const cleanups: Array<() => Promise<void> | void> = [];

  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        say(`cleanup failed: ${(error as Error).message}`);
      }
    }
  };

  try {
    const redis = await resolveRedis(options.redisUrl, privateDir, say);
    const privateRedis = redis.started;
    if (privateRedis) cleanups.push(() => privateRedis.stop());
    // Runs after the processes are stopped (cleanups run in reverse): leave a shared Redis as it was.
    else {
      cleanups.push(() => dropKeys(redis.url, `${queuePrefix}:`));
      cleanups.push(() => dropKeys(redis.url, `${parseQueuePrefix(queuePrefix).queue}:`));
    }

    const resolved = await resolveKafka(options.kafka, privateDir, id, say);
    const { kafka, brokers: kafkaBrokers } = resolved;
    if (kafka) cleanups.push(() => kafka.stop());

    const [emulatorPort, apiPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const common: Record<string, string> = {
      // Every secret on its development stand-in, as `npm run up` runs (docs/security.md).
      ALLOW_DEV_DEFAULTS: '1',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      REDIS_URL: redis.url,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      KAFKA_TOPIC_PREFIX: topicPrefix,
      QUEUE_PREFIX: queuePrefix,
      VERIFIED_BASE_URL: emulatorUrl,
    };
    const workerEnv: Record<string, string> = {
      ...common,
      WORKER_METRICS_PORT: String(workerPort),
      WORKER_METRICS_HOST: '127.0.0.1',
      WORKER_PIPELINE_GROUP: `${queuePrefix}-pipeline`,
      WORKER_PROJECTOR_GROUP: `${queuePrefix}-projector`,
      KAFKA_CLIENT_ID: `${queuePrefix}-worker`,
      // A killed worker's group membership lapses in seconds, not the default 30 s.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      WEBHOOK_PUBLIC_URL: `${apiUrl}/v1/webhooks/verified`,
      ...options.workerEnv,
    };
    const envs: Record<ServiceName, Record<string, string>> = {
      emulator: {
        EMULATOR_PORT: String(emulatorPort),
        EMULATOR_HOST: '127.0.0.1',
        EMULATOR_LOG_LEVEL: 'warn',
      },
      api: { ...common, API_PORT: String(apiPort), API_HOST: '127.0.0.1', ...options.apiEnv },
      worker: workerEnv,
    };
    const ports: Record<ServiceName, number> = { emulator: emulatorPort, api: apiPort, worker: workerPort };

    const start = async (service: ServiceName): Promise<number> => {
      const name = processName(service);
      const running = recordedPid(name);
      if (running !== null && isAlive(running)) return running;
      const port = ports[service];
      // A worker killed a moment ago may still hold its port; anything else holding it is not ours.
      const free = await waitFor(`port ${port} free`, async () => !(await isPortOpen(port)), {
        timeoutMs: 5000,
        intervalMs: 100,
      }).catch(() => false);
      if (!free) throw new Error(`port ${port} for ${service} is taken by another process`);
      const pid = await startService({ name, entry: entries[service], env: envs[service], port });
      say(`${service.padEnd(9)} 127.0.0.1:${port} (pid ${pid})`);
      return pid;
    };

    for (const service of ['emulator', 'api', 'worker'] as const) {
      cleanups.push(async () => {
        await stopManaged(processName(service), 10_000);
        if (!options.keepLogs) rmSync(logFile(processName(service)), { force: true });
      });
    }
    if (!options.keepLogs && kafka) {
      const k = kafka;
      cleanups.push(() => rmSync(k.options.logFile, { force: true }));
    }
    cleanups.unshift(() => rmSync(privateDir, { recursive: true, force: true }));

    const emulator = <T>(path: string, init?: RequestInit) => requestJson<T>(`${emulatorUrl}${path}`, init);
    await start('emulator');
    if (options.scenario !== undefined)
      await emulator('/_emulator/scenario', { method: 'PUT', body: JSON.stringify(options.scenario) });
    await start('api');
    // Any 2xx answer is ready; a 503 throws, which the wait remembers and retries.
    await waitFor(
      'api ready (Redis and Kafka answer)',
      async () => {
        await requestJson(`${apiUrl}/readyz`);
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    await start('worker');

    const stack: E2eStack = {
      id,
      apiUrl,
      emulatorUrl,
      apiKey: DEV_API_KEY,
      redisUrl: redis.url,
      kafkaBrokers,
      queuePrefix,
      topicPrefix,
      workerEnv,
      logFiles: () => ({
        ...Object.fromEntries(
          (Object.keys(entries) as ServiceName[]).map((s) => [s, logFile(processName(s))]),
        ),
        ...(kafka && { kafka: kafka.options.logFile }),
      }),
      workerPid: () => {
        const pid = recordedPid(processName('worker'));
        return pid !== null && isAlive(pid) ? pid : null;
      },
      async killWorker() {
        const pid = recordedPid(processName('worker'));
        if (pid === null || !isAlive(pid)) throw new Error('the worker is not running');
        process.kill(pid, 'SIGKILL');
        // The process is reaped a moment before the kernel has closed its listening socket: wait for both.
        await waitFor(
          'the killed worker gone',
          async () => !isAlive(pid) && !(await isPortOpen(ports.worker)),
          {
            timeoutMs: 10_000,
          },
        );
        return pid;
      },
      startWorker: () => start('worker'),
      async restartKafka() {
        if (!kafka) throw new Error('restartKafka needs a private broker (kafka: "private")');
        await kafka.restart();
      },
      api: <T>(path: string, init?: RequestInit) =>
        requestJson<T>(`${apiUrl}${path}`, init, { authorization: `Bearer ${DEV_API_KEY}` }),
      emulator,
      scenario: (patch: unknown) =>
        emulator('/_emulator/scenario', { method: 'PUT', body: JSON.stringify(patch) }),
      stop: stopAll,
    };
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

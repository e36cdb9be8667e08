import { readFileSync } from 'node:fs';
import * as devstack from '@verified-onboard/devstack';
import { topicNames } from '@verified-onboard/events';
import { BenchError } from '../lib/errors.js';
import { rssBytes } from '../lib/machine.js';
import { cpuTicksFromProcStat } from '../stats.js';
import type { BenchStack } from './bench-stack.js';

/** API key the bench's api accepts (all scopes); the api refuses the dev default only in production. */
export const BENCH_API_KEY = 'bench:bench-secret-0001-0123456789abcdef0123';
const BENCH_API_KEYS = `${BENCH_API_KEY}:enrollments:write+enrollments:read+ops`;
export interface AppOptions {
  /** Worker processes to start (0 = the api alone). */
  workers: number;
  /** Extra environment of the worker processes (the worker's documented knobs). */
  workerEnv?: Record<string, string>;
  /** Extra node flags of the worker processes (e.g. --cpu-prof). */
  workerNodeArgs?: string[];
}

const FIGURE_PREFIXES: Record<string, string> = {
  ingest: 'in',
  pipeline: 'pl',
  upstream_calls: 'uc',
  footprint: 'fp',
};

/**
 * One figure's api and worker processes, started exactly as in production (services/api/src/main.ts and
 * services/worker/src/main.ts, each its own detached process) on the bench's shared Redis, Kafka and emulator.
 */
export class BenchApp {
  private constructor(
    readonly figure: string,
    readonly prefix: string,
    readonly topicPrefix: string,
    readonly apiUrl: string,
    readonly workers: Array<{ name: string; metricsUrl: string }>,
    private readonly apiName: string,
  ) {}

  static async start(stack: BenchStack, figure: string, options: AppOptions): Promise<BenchApp> {
    // Short, like production's default 'vo': key names are part of the bytes the footprint figure measures,
    // and the bench's Redis and Kafka are private to the run, so the figure alone keeps them apart.
    const prefix = FIGURE_PREFIXES[figure] ?? figure;
    const topicPrefix = `${prefix}.`;
    const apiPort = await devstack.freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: Record<string, string> = {
      // The emulator's vendor keys and webhook secret, the dev selfie key (docs/security.md).
      ALLOW_DEV_DEFAULTS: '1',
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      KAFKA_TOPIC_PREFIX: topicPrefix,
      QUEUE_PREFIX: prefix,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      API_KEYS: BENCH_API_KEYS,
      // The bench itself polls progress; the per-key limit protects production, not this measurement.
      API_RATE_LIMIT_PER_MIN: '1000000',
      VERIFIED_BASE_URL: stack.emulatorUrl,
      WEBHOOK_PUBLIC_URL: `${apiUrl}/v1/webhooks/verified`,
      // The emulator publishes no limit; the default 50/s would make the limiter, not the pipeline, the figure.
      VERIFIED_RATE_LIMIT_PER_SEC: '1000000',
    };
    const apiName = `${figure}-api`;
    const workers: BenchApp['workers'] = [];
    const app = new BenchApp(figure, prefix, topicPrefix, apiUrl, workers, apiName);
    try {
      await app.startProcesses(stack, env, apiPort, options);
    } catch (error) {
      // Whatever did start must not outlive the figure that failed.
      await app.stop();
      throw error;
    }
    return app;
  }

  private async startProcesses(
    stack: BenchStack,
    env: Record<string, string>,
    apiPort: number,
    options: AppOptions,
  ): Promise<void> {
    const { figure, topicPrefix, workers } = this;
    await devstack.startService({
      name: this.apiName,
      entry: 'services/api/src/main.ts',
      // Profiled like the workers: the cpu figure counts the api too.
      nodeArgs: options.workerNodeArgs ?? [],
      env,
      port: apiPort,
      readyUrl: `${this.apiUrl}/readyz`,
    });
    // The api creates the topics in the background; the worker subscribes to them, so they must exist first.
    const names = topicNames(topicPrefix);
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      await devstack.waitFor(
        'topics of the bench app',
        async () => {
          const topics = new Set(await admin.listTopics());
          return (
            topics.has(names.enrollmentEvents) && topics.has(names.hints) && topics.has(names.deadLetter)
          );
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    } finally {
      await admin.disconnect();
    }
    const startWorker = async (name: string, roleEnv: Record<string, string> = {}) => {
      const port = await devstack.freePort();
      // Listed before it is ready, so that stop() also stops a worker that never came up.
      workers.push({ name, metricsUrl: `http://127.0.0.1:${port}/metrics` });
      await devstack.startService({
        name,
        entry: 'services/worker/src/main.ts',
        nodeArgs: options.workerNodeArgs ?? [],
        env: {
          ...env,
          WORKER_METRICS_PORT: String(port),
          WORKER_METRICS_HOST: '127.0.0.1',
          ...options.workerEnv,
          ...roleEnv,
        },
        port,
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      });
    };
    for (let i = 1; i <= options.workers; i++) await startWorker(`${figure}-worker-${i}`);
    // Workers that run only the steps (WORKER_ROLES=steps) get one projector process beside them, as a
    // deployment would: the figures read the read model.
    if (options.workers > 0 && options.workerEnv?.WORKER_ROLES === 'steps')
      await startWorker(`${figure}-projector`, { WORKER_ROLES: 'projector' });
  }

  /** Authenticated JSON call to the api; throws on a non-2xx answer. */
  async api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${BENCH_API_KEY}`,
        ...init.headers,
      },
    });
    if (!response.ok)
      throw new BenchError(
        'http',
        `${init.method ?? 'GET'} ${path} answered ${response.status}: ${(await response.text()).slice(0, 500)}`,
      );
    return (await response.json()) as T;
  }

  async batchStatus(batchId: string): Promise<{ total: number; byStatus: Record<string, number> }> {
    return this.api(`/v1/batches/${encodeURIComponent(batchId)}`);
  }

  /** Sum of worker_jobs_processed_total over every worker process, by outcome. */
  async jobsProcessed(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const w of this.workers) {
      const text = await (await fetch(w.metricsUrl)).text();
      for (const m of text.matchAll(/^worker_jobs_processed_total\{([^}]*)\} ([0-9.e+]+)$/gm)) {
        const [, labels = '', value] = m;
        const outcome = /outcome="([^"]+)"/.exec(labels)?.[1] ?? 'unknown';
        out[outcome] = (out[outcome] ?? 0) + Number(value);
      }
    }
    return out;
  }

  /** User + system CPU ticks so far of the api and every worker process, by process name (Linux /proc). */
  cpuTicks(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [this.apiName, ...this.workers.map((w) => w.name)]) {
      const pid = devstack.recordedPid(name);
      if (pid === null) throw new BenchError('not_ready', `${name} has no recorded pid`);
      out[name] = cpuTicksFromProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    }
    return out;
  }

  /** Resident set size of every worker process, in bytes (Linux /proc). */
  workerRss(): number[] {
    return this.workers.map((w) => {
      const pid = devstack.recordedPid(w.name);
      if (pid === null) throw new BenchError('not_ready', `${w.name} has no recorded pid`);
      return rssBytes(pid);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => devstack.stopManaged(w.name, 40_000)));
    await devstack.stopManaged(this.apiName, 20_000);
  }
}

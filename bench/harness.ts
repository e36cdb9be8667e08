// The benchmark's own isolated stack and the measuring tools every figure shares. Nothing here touches a
// developer's stack: a private Redis and Kafka on free ports, state in a private VO_LOCAL_DIR, and per-figure
// QUEUE_PREFIX / KAFKA_TOPIC_PREFIX so one figure's leftovers never feed another figure's worker.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import * as devstack from '@verified-onboard/devstack';
import { randomUUID } from 'node:crypto';
import { createKafka, topicNames, type Kafka } from '@verified-onboard/events';
import { ioredis, type Redis } from './deps.js';
import type { FigureName } from './run.js';
import { commandCallsFromInfo, cpuTicksFromProcStat, round } from './stats.js';

export type Say = (line: string) => void;

/** API key the bench's api accepts (all scopes); the api refuses the dev default only in production. */
export const BENCH_API_KEY = 'bench:bench-secret-0001-0123456789abcdef0123';
const BENCH_API_KEYS = `${BENCH_API_KEY}:enrollments:write+enrollments:read+ops`;

export class BenchError extends Error {
  constructor(
    readonly code: 'not_ready' | 'http' | 'bad_arguments',
    message: string,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

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

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new BenchError('not_ready', `no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

export interface EmulatorStats {
  calls: Record<string, number>;
  webhooks: { sent: number; dropped: number; failed: number };
  accounts: number;
  credentials: number;
}

/** Redis, Kafka and the emulator, private to this run; figures start their own api and workers on top. */
export class BenchStack {
  private redisServer: devstack.StartedRedis | null = null;
  private kafkaBroker: devstack.PrivateKafka | null = null;
  private emulatorStarted = false;
  private redisClient: Redis | null = null;
  private kafkaClient: Kafka | null = null;
  redisUrl = '';
  kafkaBrokers: string[] = [];
  emulatorUrl = '';

  constructor(
    readonly runId: string,
    private readonly say: Say,
  ) {}

  get redis(): Redis {
    if (!this.redisClient) throw new BenchError('not_ready', 'the bench stack is not started');
    return this.redisClient;
  }

  get kafka(): Kafka {
    if (!this.kafkaClient) throw new BenchError('not_ready', 'the bench stack is not started');
    return this.kafkaClient;
  }

  /** Starts the infrastructure; on failure whatever did start is stopped by `stop()` (call it in a finally). */
  async start(): Promise<void> {
    const redisPort = await devstack.freePort();
    // No persistence: the figures measure memory and throughput, not fsync.
    const redis = (this.redisServer = await devstack.startRedisServer(redisPort, devstack.logFile('redis')));
    this.redisUrl = redis.url;
    this.redisClient = new ioredis.Redis(redis.url, { maxRetriesPerRequest: 3 });
    this.say(`redis     ${redis.url} (private, no persistence)`);

    // A broker that fails to start is stopped by the launcher itself.
    const kafka = await devstack.startPrivateKafka({
      dataDir: join(devstack.localDir, 'kafka'),
      pidFile: devstack.pidFile('kafka'),
      logFile: devstack.logFile('kafka'),
      heap: '-Xms256m -Xmx1g',
    });
    this.kafkaBroker = kafka;
    this.kafkaBrokers = [kafka.broker];
    this.kafkaClient = createKafka({ brokers: this.kafkaBrokers, clientId: 'bench' });
    this.say(`kafka     ${kafka.broker} (fresh data in ${kafka.options.dataDir})`);

    const emulatorPort = await devstack.freePort();
    this.emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    this.emulatorStarted = true;
    await devstack.startService({
      name: 'emulator',
      entry: 'packages/verified-emulator/src/main.ts',
      env: { EMULATOR_PORT: String(emulatorPort) },
      port: emulatorPort,
      readyUrl: `${this.emulatorUrl}/_emulator/stats`,
      timeoutMs: 60_000,
    });
    this.say(`emulator  ${this.emulatorUrl}`);
  }

  /** Starts a figure's api (and workers) under its own prefixes; stop it with `app.stop()`. */
  async app(
    figure: string,
    options: AppOptions,
    extraWorkerEnv: Record<string, string> = {},
  ): Promise<BenchApp> {
    const app = await BenchApp.start(this, figure, {
      ...options,
      workerEnv: { ...options.workerEnv, ...extraWorkerEnv },
    });
    this.say(`${figure}: api ${app.apiUrl}, ${app.workers.length} worker process(es), prefix ${app.prefix}`);
    return app;
  }

  /** Clears the emulator (accounts, operations, counters, webhook settings), then applies `scenario`. */
  async emulatorScenario(scenario: unknown): Promise<void> {
    const reset = await fetch(`${this.emulatorUrl}/_emulator/reset`, { method: 'POST' });
    if (!reset.ok) throw new BenchError('http', `emulator reset answered ${reset.status}`);
    const put = await fetch(`${this.emulatorUrl}/_emulator/scenario`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(scenario),
    });
    if (!put.ok)
      throw new BenchError('http', `emulator scenario answered ${put.status}: ${await put.text()}`);
  }

  async emulatorStats(): Promise<EmulatorStats> {
    const response = await fetch(`${this.emulatorUrl}/_emulator/stats`);
    if (!response.ok) throw new BenchError('http', `emulator stats answered ${response.status}`);
    return (await response.json()) as EmulatorStats;
  }

  /** INFO section as a map (e.g. 'memory', 'commandstats'). */
  async info(section: string): Promise<Record<string, string>> {
    const text = await this.redis.info(section);
    const out: Record<string, string> = {};
    for (const line of text.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
  }

  /** Calls per Redis command since the server started (INFO commandstats; counts commands inside Lua too). */
  async commandCalls(): Promise<Record<string, number>> {
    return commandCallsFromInfo(await this.redis.info('commandstats'));
  }

  async usedMemory(): Promise<number> {
    return Number((await this.info('memory')).used_memory);
  }

  /** Stops everything this stack started, newest first; safe to call after a partial start. */
  async stop(): Promise<void> {
    this.redisClient?.disconnect();
    if (this.emulatorStarted) await devstack.stopManaged('emulator');
    this.kafkaBroker?.stop();
    await this.redisServer?.stop();
  }
}

export interface LoadSample {
  at: string;
  loadavg1: number;
  loadavg5: number;
}

export function loadSample(): LoadSample {
  const [one = NaN, five = NaN] = loadavg();
  return {
    at: new Date().toISOString(),
    loadavg1: Number(one.toFixed(2)),
    loadavg5: Number(five.toFixed(2)),
  };
}

export function machineFacts() {
  const version = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? (`${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? 'unknown') : 'unknown';
  };
  const redisVersion = version('redis-server', ['--version']);
  const javaVersion = version('java', ['-version']);
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    redis: redisVersion,
    java: javaVersion,
    load: loadSample(),
  };
}

/** One figure's result: the measured value beside its same-run baseline and the target. */
export interface FigureResult {
  figure: FigureName;
  value: number;
  unit: string;
  baseline: number;
  baselineUnit: string;
  baselineWhat: string;
  ratio: number;
  ratioWhat: string;
  target: string;
  /** null: a figure reported without a target. */
  pass: boolean | null;
  size: number;
  durationSec: number;
  load: { start: LoadSample; end: LoadSample };
  details: Record<string, unknown>;
}

/** What a figure measures; `timedFigure` adds how long it took and the machine's load around it. */
export type FigureMeasurement = Omit<FigureResult, 'durationSec' | 'load'>;

export async function timedFigure(measure: () => Promise<FigureMeasurement>): Promise<FigureResult> {
  const start = loadSample();
  const started = performance.now();
  const { details, ...result } = await measure();
  const durationSec = round((performance.now() - started) / 1000, 1);
  return { ...result, durationSec, load: { start, end: loadSample() }, details };
}

/** The kernel's clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 on Linux x64). */
export function clockTicksPerSecond(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const hz = Number(r.stdout.trim());
  return r.status === 0 && hz > 0 ? hz : 100;
}

/** A figure whose target is a least ratio to its baseline. */
export const ratioTarget = (ratio: number, least: number) => ({
  ratio: round(ratio, 3),
  target: `ratio >= ${least}`,
  pass: ratio >= least,
});

/** How the emulator's users answer in a figure: the outcome and after how long. */
export interface FigureUsers {
  outcome: 'accept' | 'never';
  afterMs: number;
}

/** Puts the emulator in a figure's scenario: no latency, no faults, webhooks delivered but for `webhookDropRate`. */
export async function figureScenario(
  ctx: FigureContext,
  users: FigureUsers,
  webhookDropRate = 0,
): Promise<void> {
  await ctx.stack.emulatorScenario({
    user: { ...users, mix: null },
    latencyMs: { min: 0, max: 0 },
    webhook: { enabled: true, dropRate: webhookDropRate },
    faults: {},
  });
}

/** Starts a figure's api and workers; `workerEnv` is the figure's own, --worker-env goes on top. */
export function figureApp(
  ctx: FigureContext,
  figure: string,
  workerEnv: Record<string, string> = {},
): Promise<BenchApp> {
  return ctx.stack.app(
    figure,
    { workers: ctx.workers, workerNodeArgs: ctx.workerNodeArgs, workerEnv },
    ctx.workerEnv,
  );
}

export interface FigureContext {
  stack: BenchStack;
  say: Say;
  /** Multiplies every figure's size (quick runs: 0.1). */
  sizeScale: number;
  workers: number;
  workerNodeArgs: string[];
  /** Extra worker environment from --worker-env, applied on top of each figure's own. */
  workerEnv: Record<string, string>;
}

export const scaled = (ctx: FigureContext, size: number, min = 1) =>
  Math.max(min, Math.round(size * ctx.sizeScale));

/** An NDJSON batch body of `size` capture enrollments (one person per line, like an operator's export). */
export function ndjsonBatch(runTag: string, size: number, fields: Record<string, unknown> = {}): string {
  const lines: string[] = [];
  for (let i = 1; i <= size; i++) {
    lines.push(
      JSON.stringify({
        accountNumber: `${runTag}-${i}`,
        displayName: `Bench Person ${i}`,
        email: `person${i}@example.com`,
        // Per run and batch: the api refuses an externalRef its tenant used in the last 24 h.
        externalRef: `${runTag}-ref-${i}`,
        ...fields,
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/** Submits a batch through the api; returns the batch id the api chose and the submit duration. */
export async function submitBatch(
  app: BenchApp,
  body: string,
  clientBatchId: string,
): Promise<{ batchId: string; accepted: number; ms: number }> {
  const started = performance.now();
  const result = await app.api<{ batchId: string; accepted: number; rejectedCount: number }>(
    '/v1/enrollments/batch',
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': clientBatchId },
      body,
    },
  );
  const ms = performance.now() - started;
  if (result.rejectedCount > 0)
    throw new BenchError('http', `the api rejected ${result.rejectedCount} bench lines`);
  return { batchId: result.batchId, accepted: result.accepted, ms };
}

function messageBytes(m: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}): number {
  let bytes = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) bytes += k.length + String(v).length;
  return bytes;
}

const TERMINAL_TYPES = new Set(['enrollment.completed.v1', 'enrollment.failed.v1']);

/**
 * Follows the enrollment event log (the source of truth, not the read model) and records, per enrollment of
 * one batch, when its completed or failed event happened (the event's own `ce_time`). Reads headers only, so a
 * capture that ends rejected/expired (status in the data) is not seen: use it where everyone accepts.
 */
export class TerminalEventWatch {
  readonly requestedAt = new Map<string, number>();
  readonly terminalAt = new Map<string, { at: number; type: string }>();
  /** Every event of the batch seen in the log, and their bytes (key, value and headers). */
  events = 0;
  eventBytes = 0;
  private readonly consumer;

  private constructor(
    kafka: Kafka,
    private readonly correlationId: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
  }

  static async start(kafka: Kafka, topic: string, correlationId: string): Promise<TerminalEventWatch> {
    const watch = new TerminalEventWatch(kafka, correlationId);
    await watch.consumer.connect();
    await watch.consumer.subscribe({ topic, fromBeginning: true });
    await watch.consumer.run({
      eachBatch: ({ batch }) => {
        for (const m of batch.messages) watch.observe(m.headers ?? {}, messageBytes(m));
        return Promise.resolve();
      },
    });
    return watch;
  }

  private observe(headers: Record<string, unknown>, bytes: number): void {
    const h = (name: string) => {
      const v = headers[name];
      return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
    };
    if (h('ce_correlationid') !== this.correlationId) return;
    this.events++;
    this.eventBytes += bytes;
    const type = h('ce_type') ?? '';
    const subject = h('ce_subject') ?? '';
    const at = Date.parse(h('ce_time') ?? '');
    if (type === 'enrollment.requested.v1') this.requestedAt.set(subject, at);
    else if (TERMINAL_TYPES.has(type)) this.terminalAt.set(subject, { at, type });
  }

  count(type?: string): number {
    if (!type) return this.terminalAt.size;
    let n = 0;
    for (const t of this.terminalAt.values()) if (t.type === type) n++;
    return n;
  }

  /** End-to-end latencies (terminal event time − requested time) in seconds, sorted. */
  latencies(): number[] {
    const out: number[] = [];
    for (const [id, t] of this.terminalAt) {
      const requested = this.requestedAt.get(id);
      if (requested !== undefined) out.push((t.at - requested) / 1000);
    }
    return out.sort((a, b) => a - b);
  }

  lastTerminalAt(): number {
    let last = 0;
    for (const t of this.terminalAt.values()) last = Math.max(last, t.at);
    return last;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

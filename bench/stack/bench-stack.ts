import { join } from 'node:path';
import * as devstack from '@verified-onboard/devstack';
import { createKafka, createRedis, type Kafka } from '@verified-onboard/adapters';
import type { Redis } from '../deps.js';
import { BenchError, type Say } from '../lib/errors.js';
import { commandCallsFromInfo } from '../stats.js';
import { BenchApp, type AppOptions } from './bench-app.js';

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
    this.redisClient = createRedis(redis.url, { maxRetriesPerRequest: 3 });
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

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchKafka, kafkaAlive, startKafka, stopKafka, type KafkaOptions } from './kafka-launcher.js';
import { localDir, logFile, pidFile, repoRoot } from './paths.js';
import { isAlive, recordedPid, stopManaged } from './process-registry.js';
import { isPortOpen } from './ports.js';
import { pingRedis, startRedisServer } from './redis-launcher.js';
import { startService } from './service-process.js';
import {
  downRedisCluster,
  redisClusterStatus,
  runningRedisCluster,
  upRedisCluster,
} from './stack-redis-cluster.js';

/** Where each part of the local stack listens; every port can be moved through the environment. */
export interface StackPorts {
  redisUrl: string;
  kafkaPort: number;
  emulatorPort: number;
  apiPort: number;
  workerMetricsPort: number;
}

export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    kafkaPort: Number(env.KAFKA_PORT ?? 9092),
    emulatorPort: Number(env.EMULATOR_PORT ?? 4010),
    apiPort: Number(env.API_PORT ?? 3000),
    workerMetricsPort: Number(env.WORKER_METRICS_PORT ?? 3001),
  };
}

function kafkaOptions(ports: StackPorts): KafkaOptions {
  return {
    port: ports.kafkaPort,
    dataDir: join(localDir, `kafka-${ports.kafkaPort}`),
    pidFile: pidFile('kafka'),
    logFile: logFile('kafka'),
    heap: '-Xms256m -Xmx1g',
  };
}

/** The environment every service of the local stack shares (see the README's configuration table). */
export function stackEnv(ports: StackPorts): NodeJS.ProcessEnv {
  return {
    // The local stack runs on development stand-ins for every secret, on 127.0.0.1 (docs/security.md).
    ALLOW_DEV_DEFAULTS: '1',
    REDIS_URL: ports.redisUrl,
    KAFKA_BROKERS: `127.0.0.1:${ports.kafkaPort}`,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    EMULATOR_PORT: String(ports.emulatorPort),
    VERIFIED_BASE_URL: `http://127.0.0.1:${ports.emulatorPort}`,
    API_PORT: String(ports.apiPort),
    WORKER_METRICS_PORT: String(ports.workerMetricsPort),
    WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${ports.apiPort}/v1/webhooks/verified`,
    // The emulator is the peer here, not the real platform: let the demo run at local speed.
    VERIFIED_RATE_LIMIT_PER_SEC: process.env.VERIFIED_RATE_LIMIT_PER_SEC ?? '500',
  };
}

interface ServiceSpec {
  name: 'emulator' | 'api' | 'worker';
  entry: string;
  port: (p: StackPorts) => number;
  url: (p: StackPorts) => string;
}

const services: ServiceSpec[] = [
  {
    name: 'emulator',
    entry: 'packages/verified-emulator/src/main.ts',
    port: (p) => p.emulatorPort,
    url: (p) => `http://127.0.0.1:${p.emulatorPort}`,
  },
  {
    name: 'api',
    entry: 'services/api/src/main.ts',
    port: (p) => p.apiPort,
    url: (p) => `http://127.0.0.1:${p.apiPort} (docs: /docs, queues: /ops/queues)`,
  },
  {
    name: 'worker',
    entry: 'services/worker/src/main.ts',
    port: (p) => p.workerMetricsPort,
    url: (p) => `http://127.0.0.1:${p.workerMetricsPort}/metrics`,
  },
];

export type Say = (line: string) => void;

function alive(name: string): boolean {
  const pid = recordedPid(name);
  return pid !== null && isAlive(pid);
}

export interface StackUpOptions {
  /** A 3-master Redis Cluster instead of the single Redis (`npm run up -- --redis-cluster`). */
  redisCluster?: boolean;
}

/**
 * Starts what is not running yet; idempotent, so it also restarts a killed worker. A Redis Cluster that an
 * earlier `up -- --redis-cluster` started stays the stack's Redis until `down`, with or without the flag.
 */
export async function stackUp(
  say: Say,
  ports: StackPorts = stackPorts(),
  options: StackUpOptions = {},
): Promise<void> {
  mkdirSync(localDir, { recursive: true });
  if (options.redisCluster || runningRedisCluster()) {
    const running = services.filter((s) => ['api', 'worker'].includes(s.name) && alive(s.name));
    if (!runningRedisCluster() && running.length > 0)
      throw new Error(
        `${running.map((s) => s.name).join(' and ')} already run against ${ports.redisUrl}; stop the stack first (npm run down)`,
      );
    ports = { ...ports, redisUrl: await upRedisCluster(say) };
  } else if (await pingRedis(ports.redisUrl)) {
    say(
      `redis     ${ports.redisUrl} (${recordedPid('redis') ? 'started by up' : 'already running, not ours'})`,
    );
  } else {
    const port = Number(new URL(ports.redisUrl).port || 6379);
    const handle = await startRedisServer(port, logFile('redis'), {
      dir: join(localDir, 'redis'),
      appendOnly: true,
    });
    writeFileSync(pidFile('redis'), String(handle.pid));
    say(`redis     ${handle.url} (started, pid ${handle.pid})`);
  }

  const env = stackEnv(ports);
  const kafka = kafkaOptions(ports);
  if (!kafkaAlive(kafka)) {
    fetchKafka();
    startKafka(kafka);
  }
  say(`kafka     127.0.0.1:${ports.kafkaPort} (pid ${recordedPid('kafka')})`);

  for (const service of services) {
    const pid = recordedPid(service.name);
    if (alive(service.name)) {
      say(`${service.name.padEnd(9)} ${service.url(ports)} (already running, pid ${pid})`);
      continue;
    }
    if (!existsSync(join(repoRoot, service.entry))) {
      say(`${service.name.padEnd(9)} not built yet (${service.entry} is missing)`);
      continue;
    }
    if (await isPortOpen(service.port(ports)))
      throw new Error(`port ${service.port(ports)} for ${service.name} is taken by another process`);
    const started = await startService({
      name: service.name,
      entry: service.entry,
      env,
      port: service.port(ports),
      timeoutMs: 60_000,
    });
    say(`${service.name.padEnd(9)} ${service.url(ports)} (pid ${started})`);
  }
  say(`logs in ${join(localDir, 'logs')}; stop everything with: npm run down`);
}

/** Stops exactly what `up` started, newest first, by recorded pid. */
export async function stackDown(say: Say, ports: StackPorts = stackPorts()): Promise<void> {
  for (const service of [...services].reverse()) {
    if (await stopManaged(service.name)) say(`stopped ${service.name}`);
  }
  const kafka = kafkaOptions(ports);
  if (kafkaAlive(kafka)) {
    stopKafka(kafka);
    say('stopped kafka');
  }
  if (await stopManaged('redis')) say('stopped redis');
  await downRedisCluster(say);
}

export async function stackStatus(say: Say, ports: StackPorts = stackPorts()): Promise<boolean> {
  let allUp = true;
  // The single Redis is not the stack's while a cluster of ours runs; its nodes get their own lines below.
  const redis = runningRedisCluster() ? [] : ['redis'];
  for (const name of [...redis, 'kafka', ...services.map((s) => s.name)]) {
    const pid = recordedPid(name);
    const up = pid !== null && isAlive(pid);
    if (!up && name !== 'redis') allUp = false;
    say(
      `${name.padEnd(9)} ${up ? `running (pid ${pid})` : name === 'redis' && (await pingRedis(ports.redisUrl)) ? 'running (not ours)' : 'stopped'}`,
    );
  }
  return redisClusterStatus(say) && allUp;
}

// Vitest global setup: every test run gets a real Redis and a real Kafka broker, shared by all test files.
// Order of preference: what REDIS_URL / KAFKA_BROKERS already point at, then containers when a Docker engine
// answers, then the local launchers (redis-server, Kafka from Maven Central jars). What this starts, it stops.
// VO_TEST_REDIS_CLUSTER=1 puts Redis on a Redis Cluster (docs/infrastructure.md, test harness).
import { mkdtempSync, rmSync } from 'node:fs';
import { parseRedisUrl } from '@verified-onboard/contracts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerLikely, startContainers, type ContainerInfra } from './docker.js';
import { startPrivateKafka } from './kafka-launcher.js';
import { freePort, isPortOpen } from './ports.js';
import { startRedisCluster } from './redis-cluster-launcher.js';
import { pingRedis, startRedisServer } from './redis-launcher.js';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

async function brokersAnswer(brokers: string): Promise<boolean> {
  const [host, port] = (brokers.split(',')[0] ?? '').split(':');
  return Boolean(host && port) && isPortOpen(Number(port), host);
}

export default async function setup(): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const runDir = mkdtempSync(join(tmpdir(), 'verified-onboard-test-'));
  // Registered first so it runs last (cleanups run in reverse): only once the servers writing into it are stopped.
  cleanups.push(() => rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  let redisUrl = process.env.REDIS_URL;
  let kafkaBrokers = process.env.KAFKA_BROKERS;
  // `npm run test:cluster`: the same suites on a Redis Cluster, a private one unless REDIS_URL names a cluster.
  if (
    process.env.VO_TEST_REDIS_CLUSTER === '1' &&
    (!redisUrl || parseRedisUrl(redisUrl).kind !== 'cluster')
  ) {
    const cluster = await startRedisCluster({
      dir: join(runDir, 'redis-cluster'),
      logFile: (node) => join(runDir, `redis-cluster-${node}.log`),
    });
    cleanups.push(() => cluster.stop());
    redisUrl = cluster.url;
  }
  if (redisUrl && !(await pingRedis(redisUrl))) throw new Error(`REDIS_URL=${redisUrl} does not answer`);
  if (kafkaBrokers && !(await brokersAnswer(kafkaBrokers)))
    throw new Error(`KAFKA_BROKERS=${kafkaBrokers} does not answer`);

  if (!redisUrl && (await pingRedis(DEFAULT_REDIS))) redisUrl = DEFAULT_REDIS;

  if ((!redisUrl || !kafkaBrokers) && dockerLikely()) {
    let containers: ContainerInfra | undefined;
    try {
      containers = await startContainers();
    } catch (error) {
      console.warn(`[devstack] Docker not usable (${(error as Error).message}); using local launchers`);
    }
    if (containers) {
      cleanups.push(() => containers.stop());
      redisUrl ??= containers.redisUrl;
      kafkaBrokers ??= containers.kafkaBrokers;
    }
  }

  if (!redisUrl) {
    const handle = await startRedisServer(await freePort(), join(runDir, 'redis.log'));
    redisUrl = handle.url;
    cleanups.push(() => handle.stop());
  }
  if (!kafkaBrokers) {
    const kafka = await startPrivateKafka({
      dataDir: join(runDir, 'kafka'),
      pidFile: join(runDir, 'kafka.pid'),
      logFile: join(runDir, 'kafka.log'),
      heap: '-Xms256m -Xmx512m',
    });
    kafkaBrokers = kafka.broker;
    cleanups.push(() => kafka.stop());
  }

  process.env.REDIS_URL = redisUrl;
  process.env.KAFKA_BROKERS = kafkaBrokers;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  console.log(`[devstack] tests use Redis ${redisUrl} and Kafka ${kafkaBrokers}`);

  return async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
}

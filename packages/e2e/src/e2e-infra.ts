// The infrastructure under an e2e stack: the Redis it uses (shared when one answers, else its own) and the
// Kafka broker (the test run's, or a private one the soak can restart).
import { join } from 'node:path';
import {
  deleteKeysWithPrefix,
  freePort,
  logFile,
  pingRedis,
  type PrivateKafka,
  redisClient,
  type StartedRedis,
  startPrivateKafka,
  startRedisServer,
} from '@verified-onboard/devstack';
import type { Say } from './e2e-stack.js';

export async function dropKeys(url: string, prefix: string): Promise<void> {
  const client = redisClient(url, { maxRetriesPerRequest: 3 });
  try {
    await deleteKeysWithPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}

export async function resolveRedis(
  wanted: string | undefined,
  privateDir: string,
  say: Say,
): Promise<{ url: string; started?: StartedRedis }> {
  const candidates = [wanted, process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter((u): u is string =>
    Boolean(u),
  );
  for (const url of candidates) if (await pingRedis(url)) return { url };
  if (wanted) throw new Error(`Redis at ${wanted} does not answer`);
  const started = await startRedisServer(await freePort(), join(privateDir, 'redis.log'));
  say(`redis     ${started.url} (private, pid ${started.pid})`);
  return { url: started.url, started };
}

/** The brokers of the stack, and the private broker when it has one (stopped by the returned cleanup). */
export async function resolveKafka(
  mode: 'shared' | 'private',
  privateDir: string,
  id: string,
  say: Say,
): Promise<{ brokers: string[]; kafka: PrivateKafka | null }> {
  if (mode === 'shared') {
    const shared = process.env.KAFKA_BROKERS;
    if (!shared) throw new Error('kafka: "shared" needs KAFKA_BROKERS (the test run provides it)');
    return { brokers: shared.split(','), kafka: null };
  }
  const k = await startPrivateKafka({
    dataDir: join(privateDir, 'kafka'),
    pidFile: join(privateDir, 'kafka.pid'),
    logFile: logFile(`e2e-${id}-kafka`),
    heap: '-Xms256m -Xmx768m',
  });
  say(`kafka     ${k.broker} (private, data ${k.options.dataDir})`);
  return { brokers: [k.broker], kafka: k };
}

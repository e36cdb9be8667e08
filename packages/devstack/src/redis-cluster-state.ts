import { Redis } from 'ioredis';

/** Where a node listens, and the ACL user to ask as (the default user otherwise). */
export interface RedisClusterSeed {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

async function clusterInfo(seed: RedisClusterSeed): Promise<string> {
  const client = new Redis({
    ...seed,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call('CLUSTER', 'INFO'));
  } catch {
    return '';
  } finally {
    client.disconnect();
  }
}

/** True when every node reports `cluster_state:ok`, i.e. all 16384 slots are served. */
export async function redisClusterReady(nodes: readonly RedisClusterSeed[]): Promise<boolean> {
  const infos = await Promise.all(nodes.map(clusterInfo));
  return infos.every((info) => /^cluster_state:ok\r?$/m.test(info));
}

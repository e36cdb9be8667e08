import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisCluster, type StartedRedisCluster } from '@verified-onboard/devstack';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../src/index.js';

let cluster: StartedRedisCluster;
const clients: Redis[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'create-redis-cluster-'));
  cluster = await startRedisCluster({ dir, logFile: (node) => join(dir, `redis-${node}.log`) });
}, 60_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

describe('createRedis on a redis+cluster:// URL (three real masters)', () => {
  it('connects a Cluster client that reaches every master', async () => {
    const redis = createRedis(cluster.url);
    clients.push(redis);
    expect(redis).toBeInstanceOf(Cluster);
    const keys = Array.from({ length: 30 }, (_, i) => `create-redis-cluster:${i}`);
    for (const key of keys) await redis.set(key, key, 'EX', 60);
    expect(await Promise.all(keys.map((key) => redis.get(key)))).toEqual(keys);
  });

  // The api's options: no offline queue, so a request fails at once while Redis is away (503), never hangs.
  it('with the api’s fail-fast options, a command fails at once while no node answers', async () => {
    const unreachable = `redis+cluster://127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}`;
    const redis = createRedis(unreachable, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    await expect(redis.get('create-redis-cluster:unreachable')).rejects.toThrow(/enableOfflineQueue/);
  });

  it('with the api’s fail-fast options, commands reach every master once the cluster is ready', async () => {
    const redis = createRedis(cluster.url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    clients.push(redis);
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('error', reject);
    });
    const keys = Array.from({ length: 30 }, (_, i) => `create-redis-cluster:fail-fast:${i}`);
    await Promise.all(keys.map((key) => redis.set(key, '1', 'EX', 60)));
    expect(await Promise.all(keys.map((key) => redis.exists(key)))).toEqual(keys.map(() => 1));
  });

  it('logs in as the ACL user named in the URL on every node', async () => {
    await Promise.all(
      cluster.nodes.map(async ({ host, port }) => {
        const node = createRedis(`redis://${host}:${port}`);
        clients.push(node);
        await node.call('ACL', 'SETUSER', 'vo-cluster', 'on', '>cluster-pw', '~*', '+@all');
      }),
    );
    const user = createRedis(
      `redis+cluster://vo-cluster:cluster-pw@${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    );
    clients.push(user);
    const keys = Array.from({ length: 30 }, (_, i) => `create-redis-cluster:acl:${i}`);
    await Promise.all(keys.map((key) => user.set(key, '1', 'EX', 60)));
    const masters = (user as unknown as Cluster).nodes('master');
    expect(await Promise.all(masters.map((node) => node.call('ACL', 'WHOAMI')))).toEqual([
      'vo-cluster',
      'vo-cluster',
      'vo-cluster',
    ]);
  });
});

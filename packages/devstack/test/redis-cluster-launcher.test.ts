import { Cluster, Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteKeysWithPrefix,
  pingRedis,
  redisClient,
  redisMasters,
  startRedisCluster,
  waitFor,
  type StartedRedisCluster,
} from '../src/index.js';

// Against real redis-server processes in cluster mode: the cluster `npm run up -- --redis-cluster` and the
// cluster test run start is this one.
describe('a 3-master Redis Cluster from the installed redis-server', () => {
  let cluster: StartedRedisCluster;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    cluster = await startRedisCluster({ dir, logFile: (node) => join(dir, `redis-${node}.log`) });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is ready when started: three masters on distinct ports, every slot served, named by a cluster URL', async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
    expect(cluster.url).toBe(`redis+cluster://${cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
    const [node] = cluster.nodes;
    if (!node) throw new Error('the cluster has no node');
    const first = new Redis({ host: node.host, port: node.port });
    try {
      const info = String(await first.call('CLUSTER', 'INFO'));
      expect(info).toMatch(/^cluster_state:ok\r?$/m);
      expect(info).toMatch(/^cluster_slots_assigned:16384\r?$/m);
      expect(info).toMatch(/^cluster_size:3\r?$/m);
    } finally {
      first.disconnect();
    }
  });

  it('serves keys from every master to a cluster client (the slots are split over the three)', async () => {
    const client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `cluster-launcher-test:${i}`);
      for (const key of keys) await client.set(key, key, 'EX', 60);
      for (const key of keys) expect(await client.get(key)).toBe(key);
      const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
      expect(perNode.filter((count) => count > 0)).toHaveLength(3);
    } finally {
      client.disconnect();
    }
  });

  it('deleteKeysWithPrefix finds the keys on every master and deletes them, and nothing beside them', async () => {
    const redis = redisClient(cluster.url);
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `cluster-cleanup:k${i}`);
      for (const key of keys) await redis.set(key, '1');
      await redis.set('cluster-cleanup-other:kept', '1');
      // Spread over the masters, or the test would not show that every one is scanned.
      const perMaster = await Promise.all(redisMasters(redis).map((m) => m.keys('cluster-cleanup:*')));
      expect(perMaster.filter((found) => found.length > 0)).toHaveLength(3);
      expect(await deleteKeysWithPrefix(redis, 'cluster-cleanup:')).toBe(300);
      expect(await Promise.all(keys.map((key) => redis.exists(key)))).toEqual(keys.map(() => 0));
      expect(await redis.get('cluster-cleanup-other:kept')).toBe('1');
    } finally {
      redis.disconnect();
    }
  });
});

describe('stopping the cluster', () => {
  it('stops every node it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const cluster = await startRedisCluster({ dir, logFile: (node) => join(dir, `redis-${node}.log`) });
    await cluster.stop();
    for (const { port } of cluster.nodes) {
      expect(
        await waitFor(`node ${port} gone`, async () => !(await pingRedis(`redis://127.0.0.1:${port}`)), {
          timeoutMs: 10_000,
        }),
      ).toBe(true);
    }
  }, 60_000);
});

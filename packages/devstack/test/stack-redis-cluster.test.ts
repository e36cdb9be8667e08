// The Redis Cluster of `npm run up -- --redis-cluster`, against real redis-server processes, with a private
// state folder: started once and recorded, reused by a later `up`, stopped by `down`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const localDir = mkdtempSync(join(tmpdir(), 'vo-stack-cluster-'));
// paths.ts reads VO_LOCAL_DIR once, when first imported.
process.env.VO_LOCAL_DIR = localDir;
const { downRedisCluster, runningRedisCluster, upRedisCluster } =
  await import('../src/stack-redis-cluster.js');
const { isAlive, redisClusterReady } = await import('../src/index.js');

const pids = () =>
  [1, 2, 3].map((n) => Number(readFileSync(join(localDir, 'pids', `redis-cluster-${n}.pid`), 'utf8')));
const ports = (url: string) =>
  url
    .replace('redis+cluster://', '')
    .split(',')
    .map((n) => Number(n.split(':')[1]));

const first: string[] = [];
let url = '';
beforeAll(async () => {
  url = await upRedisCluster((line) => first.push(line));
}, 60_000);
afterAll(async () => {
  await downRedisCluster(() => undefined);
  rmSync(localDir, { recursive: true, force: true });
});

describe('the local stack’s Redis Cluster', () => {
  it('starts three recorded masters, ready, and says "cluster" and where each node is', async () => {
    expect(url).toMatch(/^redis\+cluster:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    expect(await redisClusterReady(ports(url).map((port) => ({ host: '127.0.0.1', port })))).toBe(true);
    expect(pids().every(isAlive)).toBe(true);
    expect(first[0]).toContain(`cluster ${url}`);
    ports(url).forEach((port, i) => expect(first[i + 1]).toContain(`node ${i + 1}  127.0.0.1:${port}`));
    expect(runningRedisCluster()).toBe(url);
  });

  it('a later up reuses the running cluster', async () => {
    const before = pids();
    const lines: string[] = [];
    expect(await upRedisCluster((line) => lines.push(line))).toBe(url);
    expect(lines[0]).toContain('already running');
    expect(pids()).toEqual(before);
  });

  it('down stops every node and forgets the cluster', async () => {
    const before = pids();
    const lines: string[] = [];
    expect(await downRedisCluster((line) => lines.push(line))).toBe(true);
    expect(lines).toEqual(['stopped redis cluster']);
    for (const pid of before) expect(isAlive(pid)).toBe(false);
    expect(runningRedisCluster()).toBeNull();
    expect(existsSync(join(localDir, 'pids', 'redis-cluster-1.pid'))).toBe(false);
  });
});

// The worker's shared connection auto-pipelines; a script command defined while a pipeline of that tick is
// pending was missing from it ("pipeline[functionName] is not a function"), and ioredis then crashed the process
// (seen in the soak on a Redis Cluster, where every slot has its own pending pipeline).
import { deleteKeysWithPrefix, isolatedNames, testInfra } from '@verified-onboard/devstack';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openRedis } from '../src/composition/connections.js';
import { Closers } from '../src/composition/closers.js';
import type { WorkerConfig } from '../src/config.js';
import { hsetWithTtl } from '../src/keys.js';

describe("the worker's auto-pipelined connection", () => {
  const names = isolatedNames('auto-pipelined-scripts');
  const closers = new Closers(pino({ level: 'silent' }));
  const config = { redisUrl: testInfra().redisUrl, redisTlsCaFile: undefined } as unknown as WorkerConfig;
  const { redis } = openRedis(config, closers);

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, names.keyPrefix);
    await closers.closeAll();
  });

  it('runs the hash-with-TTL script queued in the same tick as a plain command on its slot', async () => {
    const key = `${names.keyPrefix}record`;
    const [before] = await Promise.all([redis.hget(key, 'a'), hsetWithTtl(redis, key, 60, ['a', '1'])]);
    expect(before).toBeNull();
    expect(await redis.hget(key, 'a')).toBe('1');
    expect(await redis.ttl(key)).toBeGreaterThan(0);
  });
});

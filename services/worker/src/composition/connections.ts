import { createRedis } from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../config.js';
import type { Closers } from './closers.js';
import { defineHashTtlCommand } from '../keys.js';

export interface RedisConnections {
  /** Shared by the stores, the read model and the rate limiter. */
  redis: Redis;
  /** A new connection for BullMQ, which blocks on its own (maxRetriesPerRequest must be null). */
  bullConnection: () => Redis;
}

export function openRedis(config: WorkerConfig, closers: Closers): RedisConnections {
  // Auto-pipelining: the step runner issues many small independent commands per job from many concurrent
  // jobs; batching them per tick saved 13% of pipeline time in the benchmark (docs/benchmarks.md).
  const redisTls = { caFile: config.redisTlsCaFile };
  const redis = createRedis(
    config.redisUrl,
    { maxRetriesPerRequest: 3, enableAutoPipelining: true },
    redisTls,
  );
  // Before any command: a script defined while an auto-pipeline is pending is missing from it.
  defineHashTtlCommand(redis);
  closers.add(() => redis.quit());
  return {
    redis,
    bullConnection: () => {
      const connection = createRedis(config.redisUrl, { maxRetriesPerRequest: null }, redisTls);
      closers.add(() => connection.quit());
      return connection;
    },
  };
}

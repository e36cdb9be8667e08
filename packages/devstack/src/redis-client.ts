import { parseRedisUrl } from '@verified-onboard/contracts';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection for tests and the local tools to a REDIS_URL, one server or a `redis+cluster://` cluster, so that
 * the same suites run on both. The services connect through createRedis (@verified-onboard/adapters), which also
 * reads a TLS CA file; the test infrastructure needs neither TLS nor the api's fail-fast split of options.
 * A Cluster is typed as Redis, as createRedis does: same commands, keys of one slot per multi-key command.
 */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === 'server') return new Redis(url, options);
  const { lazyConnect, enableOfflineQueue, ...node } = options;
  const cluster = new Cluster(target.nodes, {
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    redisOptions: {
      ...node,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
  return cluster as unknown as Redis;
}

/** The masters of a cluster connection (after it is ready), or the one server. */
export function redisMasters(redis: Redis | Cluster): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

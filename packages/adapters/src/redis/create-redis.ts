import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '@verified-onboard/contracts';

/** How a process reaches Redis beyond its URL: the CA that signed the server's certificate (REDIS_TLS_CA_FILE). */
export interface RedisTls {
  /** PEM file; unset: the system's trusted CAs. Only used with a `rediss://` URL. */
  caFile?: string | undefined;
}

/**
 * Splits the options between the Cluster and its node connections: ioredis reads these three from the Cluster's
 * own options only (its node connections always connect lazily and queue), so the api's fail-fast
 * `enableOfflineQueue: false` would be lost if it were passed to the nodes alone.
 */
function splitForCluster(options: RedisOptions): { cluster: ClusterOptions; node: RedisOptions } {
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, ...node } = options;
  const cluster: ClusterOptions = {};
  if (lazyConnect !== undefined) cluster.lazyConnect = lazyConnect;
  if (enableOfflineQueue !== undefined) cluster.enableOfflineQueue = enableOfflineQueue;
  if (enableAutoPipelining !== undefined) cluster.enableAutoPipelining = enableAutoPipelining;
  return { cluster, node };
}

/**
 * Every Redis connection of the api, the worker, the projector and BullMQ is made here, so that one URL decides
 * the transport for all of them: `rediss://` is TLS (verified against REDIS_TLS_CA_FILE when set), and
 * `user:password@` logs in as a Redis ACL user. ioredis reads the scheme and the credentials from the URL itself;
 * what it cannot know is the CA file.
 *
 * `redis+cluster://host:port,host:port` (`rediss+cluster://` for TLS) connects to a Redis Cluster. The result is
 * an ioredis Cluster, typed as Redis: both implement the same command interface, and BullMQ recognises the
 * Cluster at run time (its prefix must then be braced). What a cluster adds: a multi-key command must name keys
 * of one hash slot (braced hash tags in the key names), and SCAN or INFO reach one node only.
 */
export function createRedis(url: string, options: RedisOptions = {}, tls: RedisTls = {}): Redis {
  const target = parseRedisUrl(url);
  const secure = target.kind === 'cluster' ? target.tls : /^rediss:\/\//i.test(url);
  const ca = secure && tls.caFile ? { ca: readFileSync(tls.caFile) } : {};
  const tlsOptions = secure ? { tls: { ...options.tls, ...ca } } : {};
  if (target.kind === 'server') return new Redis(url, { ...options, ...tlsOptions });
  const credentials = {
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
  };
  const split = splitForCluster(options);
  const cluster = new Cluster(target.nodes, {
    ...split.cluster,
    redisOptions: { ...split.node, ...credentials, ...tlsOptions },
  });
  return cluster as unknown as Redis;
}

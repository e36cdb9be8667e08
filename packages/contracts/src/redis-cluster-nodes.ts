import { parseRedisNode, type RedisNode } from './redis-url.js';

/** Why REDIS_CLUSTER_NODES was refused: a stable value beside the code, for logs and tests. */
export type RedisClusterNodesReason = 'no_node' | 'not_host_port' | 'conflicts_with_redis_url';

/** REDIS_CLUSTER_NODES is not a list of host:port, or REDIS_URL names Redis as well. Never echoes the value. */
export class RedisClusterNodesError extends Error {
  readonly code = 'invalid_redis_cluster_nodes';
  readonly variable = 'REDIS_CLUSTER_NODES';
  constructor(
    readonly reason: RedisClusterNodesReason,
    /** The message without the variable's name, for lists of issues that name it themselves. */
    readonly detail: string,
  ) {
    super(`REDIS_CLUSTER_NODES ${detail}`);
    this.name = 'RedisClusterNodesError';
  }
}

const EXPECTED = 'expected host:port,host:port (seed nodes of a Redis Cluster)';

/** The seed nodes in REDIS_CLUSTER_NODES, e.g. `10.0.0.1:7000,10.0.0.2:7000` (port 6379 when left out). */
export function parseRedisClusterNodes(value: string): RedisNode[] {
  if (value.trim() === '') throw new RedisClusterNodesError('no_node', `names no node; ${EXPECTED}`);
  return value.split(',').map((entry, i) => {
    const node = parseRedisNode(entry);
    if (!node)
      throw new RedisClusterNodesError('not_host_port', `entry ${i + 1} is not host:port; ${EXPECTED}`);
    return node;
  });
}

const blank = (value: string | undefined) => value === undefined || value.trim() === '';

/**
 * The Redis a process uses, from REDIS_URL or REDIS_CLUSTER_NODES: the nodes become the equivalent
 * `redis+cluster://` URL, so everything downstream reads one form. Undefined when neither is set (the caller's
 * default applies). Both set is refused rather than one silently winning; TLS or an ACL user on a cluster
 * take the URL form (`rediss+cluster://user:password@host:port,...`).
 */
export function redisUrlFromEnvironment(env: {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
}): string | undefined {
  const nodes = env.REDIS_CLUSTER_NODES;
  if (nodes === undefined || blank(nodes)) return blank(env.REDIS_URL) ? undefined : env.REDIS_URL?.trim();
  if (!blank(env.REDIS_URL))
    throw new RedisClusterNodesError(
      'conflicts_with_redis_url',
      'and REDIS_URL are both set: set one (for TLS or an ACL user on a cluster, REDIS_URL=rediss+cluster://user:password@host:port,...)',
    );
  const hosts = parseRedisClusterNodes(nodes).map(({ host, port }) =>
    host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
  );
  return `redis+cluster://${hosts.join(',')}`;
}

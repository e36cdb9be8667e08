export interface RedisNode {
  host: string;
  port: number;
}

/** One server (`redis://`, `rediss://`) or the seed nodes of a Redis Cluster (`redis+cluster://`). */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'cluster';
      /** Seed nodes: the client learns every other node and the slot map from any one of them. */
      nodes: RedisNode[];
      tls: boolean;
      username?: string;
      password?: string;
    };

/** REDIS_URL names neither a server nor a cluster; the message shows the expected form, never a password. */
export class RedisUrlError extends Error {
  readonly code = 'invalid_redis_url';
  constructor(detail: string) {
    super(
      `${detail}; expected redis://host:port, rediss://host:port, or redis+cluster://host:port,host:port (rediss+cluster:// for TLS)`,
    );
    this.name = 'RedisUrlError';
  }
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/i;
const NODE = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#[\]@,]+))(?::(\d{1,5}))?$/;

/** One `host:port` of a cluster (an IPv6 host in brackets; port 6379 when left out), or undefined. */
export function parseRedisNode(entry: string): RedisNode | undefined {
  const match = NODE.exec(entry.trim());
  const port = Number(match?.[3] ?? 6379);
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisUrlError(`the cluster URL's ${what} is not valid percent-encoding`);
  }
}

function parseCluster(scheme: string, rest: string): RedisTarget {
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? undefined : rest.slice(0, at);
  const hosts = (at === -1 ? rest : rest.slice(at + 1)).replace(/\/$/, '');
  if (hosts === '') throw new RedisUrlError('the cluster URL names no node');
  const nodes = hosts.split(',').map((entry, i) => {
    const node = parseRedisNode(entry);
    if (!node) throw new RedisUrlError(`node ${i + 1} of the cluster URL is not host:port`);
    return node;
  });
  const target: RedisTarget = { kind: 'cluster', nodes, tls: scheme.toLowerCase() === 'rediss' };
  if (credentials !== undefined) {
    const colon = credentials.indexOf(':');
    const user = colon === -1 ? credentials : credentials.slice(0, colon);
    if (user !== '') target.username = decode(user, 'user name');
    if (colon !== -1) target.password = decode(credentials.slice(colon + 1), 'password');
  }
  return target;
}

/**
 * Reads REDIS_URL. A cluster URL lists seed nodes separated by commas, which no WHATWG URL parser accepts, so it
 * is parsed here; a server URL is left to ioredis, which reads its scheme, credentials and database itself.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const cluster = CLUSTER_SCHEME.exec(url.trim());
  if (cluster) return parseCluster(cluster[1] ?? 'redis', cluster[2] ?? '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError('REDIS_URL is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new RedisUrlError(`unknown scheme ${parsed.protocol}`);
  if (parsed.hostname === '') throw new RedisUrlError('REDIS_URL names no host');
  return { kind: 'server', url };
}

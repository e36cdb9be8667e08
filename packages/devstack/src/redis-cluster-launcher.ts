import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { redisClusterReady } from './redis-cluster-state.js';
import { startRedisServer, type StartedRedis } from './redis-launcher.js';
import { waitFor } from './wait-for.js';

/** One master of a cluster this process started. */
export interface RedisClusterNode {
  host: string;
  port: number;
  pid: number;
}

/** A Redis Cluster this process started from the installed redis-server. */
export interface StartedRedisCluster {
  /** `redis+cluster://127.0.0.1:<port>,…`: the REDIS_URL that reaches it (README, configuration). */
  url: string;
  nodes: RedisClusterNode[];
  /** SIGTERM to every node, then resolves once all are gone. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Each node keeps its nodes.conf (and AOF) in `<dir>/<port>`. */
  dir: string;
  /** Log file of the `node`th node (1-based), listening on `port`. */
  logFile: (node: number, port: number) => string;
  /** Number of masters, no replicas; 3 is the least `redis-cli --cluster create` accepts. */
  masters?: number;
  appendOnly?: boolean;
  /** How long a master may be silent before the others mark it failed. */
  nodeTimeoutMs?: number;
}

export class RedisClusterError extends Error {
  readonly code = 'redis_cluster_failed';
  constructor(message: string) {
    super(message);
    this.name = 'RedisClusterError';
  }
}

const HOST = '127.0.0.1';

/**
 * Two free ports per node: the client port and the cluster bus. The bus defaults to port + 10000, which for a
 * port the OS picks from its ephemeral range may not exist (> 65535), so it is chosen explicitly too.
 */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts `masters` redis-server processes in cluster mode on ports of its choosing, joins them with
 * `redis-cli --cluster create` (slots split evenly, no replicas) and resolves once every node reports
 * `cluster_state:ok`. What it started it stops again when anything fails on the way.
 */
export async function startRedisCluster(options: RedisClusterOptions): Promise<StartedRedisCluster> {
  const masters = options.masters ?? 3;
  const ports = await distinctFreePorts(masters * 2);
  const started: StartedRedis[] = [];
  const stopAll = () => Promise.all(started.map((node) => node.stop())).then(() => undefined);
  try {
    for (let i = 0; i < masters; i++) {
      const port = ports[i * 2] as number;
      const dir = join(options.dir, String(port));
      mkdirSync(dir, { recursive: true });
      started.push(
        await startRedisServer(port, options.logFile(i + 1, port), {
          dir,
          appendOnly: options.appendOnly ?? false,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(ports[i * 2 + 1]),
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 5000),
          ],
        }),
      );
    }
    const nodePorts = started.map((node) => Number(new URL(node.url).port));
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodePorts.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (create.status !== 0) {
      const output = `${create.stdout ?? ''}${create.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      throw new RedisClusterError(`redis-cli --cluster create failed (exit ${create.status}): ${output}`);
    }
    // Slots are assigned at once, but each node learns the others' slots through the bus a moment later.
    const seeds = nodePorts.map((port) => ({ host: HOST, port }));
    await waitFor('every cluster node reporting cluster_state:ok', () => redisClusterReady(seeds), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    return {
      url: `redis+cluster://${nodePorts.map((port) => `${HOST}:${port}`).join(',')}`,
      nodes: started.map((node, i) => ({ host: HOST, port: nodePorts[i] as number, pid: node.pid })),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

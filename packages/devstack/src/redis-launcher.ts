import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { parseRedisUrl } from '@verified-onboard/contracts';
import { Redis } from 'ioredis';
import { isAlive } from './process-registry.js';
import { redisClusterReady } from './redis-cluster-state.js';
import { ServiceExitedError } from './service-process.js';
import { waitFor } from './wait-for.js';

export interface RedisHandle {
  url: string;
  /** Set only when this process started the server; stops exactly that server. */
  pid?: number;
}

/**
 * True when a Redis server answers PING at `url` within a short timeout; for a `redis+cluster://` URL, when every
 * listed node reports the cluster ready.
 */
export async function pingRedis(url: string): Promise<boolean> {
  const target = parseRedisUrl(url);
  if (target.kind === 'cluster') {
    const auth = {
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
    };
    return redisClusterReady(target.nodes.map((node) => ({ ...node, ...auth })));
  }
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function ensureRedisServerBinary(): void {
  if (spawnSync('redis-server', ['--version']).status === 0) return;
  // Debian's package is the supported way to get a server on these machines (see README prerequisites).
  console.error('[devstack] redis-server missing; installing the Debian package redis-server');
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit' });
  if (update.status !== 0 || install.status !== 0) {
    throw new Error(
      'redis-server is not installed and apt-get could not install it; install Redis 6.2+ or set REDIS_URL',
    );
  }
}

/** A redis-server this process started. */
export interface StartedRedis {
  url: string;
  pid: number;
  /** SIGTERM, then resolves once the server is gone. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Working directory for the append-only file; required with appendOnly. */
  dir?: string;
  /** AOF persistence (the local stack keeps its queues across restarts); tests run without it. */
  appendOnly?: boolean;
  /** More server options, e.g. cluster mode (redis-cluster-launcher.ts). */
  extraArgs?: readonly string[];
}

/**
 * Starts a private redis-server on `port`. BullMQ needs `noeviction`: an evicted job key is a lost job.
 */
export async function startRedisServer(
  port: number,
  log: string,
  options: RedisServerOptions = {},
): Promise<StartedRedis> {
  ensureRedisServerBinary();
  const out = openSync(log, 'a');
  // The server writes its files (AOF, a cluster node's nodes.conf) into --dir, never into our working directory.
  const persistence = [
    ...(options.appendOnly && options.dir
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
      : ['--appendonly', 'no']),
    ...(options.dir ? ['--dir', options.dir] : []),
  ];
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      ...(options.extraArgs ?? []),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const { pid } = child;
  if (pid === undefined) throw new ServiceExitedError('redis-server', log);
  const url = `redis://127.0.0.1:${port}`;
  // Ready means PING answers, not merely that the port accepts: a server loading its append-only file
  // accepts connections but answers LOADING. A server that exits (the port was taken) fails at once.
  const state = await waitFor(
    `redis-server answering PING on ${port}`,
    async () => (exited ? 'exited' : (await pingRedis(url)) && 'ready'),
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  if (state === 'exited') throw new ServiceExitedError('redis-server', log);
  return {
    url,
    pid,
    async stop() {
      if (!isAlive(pid)) return;
      process.kill(pid, 'SIGTERM');
      await waitFor(`redis-server (pid ${pid}) stopped`, () => !isAlive(pid), { timeoutMs: 15_000 });
    },
  };
}

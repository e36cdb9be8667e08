import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localDir, logFile, pidFile } from './paths.js';
import { isAlive, recordedPid, stopManaged } from './process-registry.js';
import { startRedisCluster } from './redis-cluster-launcher.js';
import { redisClusterReady } from './redis-cluster-state.js';

/** `npm run up -- --redis-cluster`: three masters, recorded as `.local/pids/redis-cluster-<n>.pid`. */
const MASTERS = 3;
const nodeName = (node: number) => `redis-cluster-${node}`;
const clusterDir = () => join(localDir, 'redis-cluster');
/** The cluster's REDIS_URL, kept so that a later `up`, `status` and `down` find the ports it chose. */
const urlFile = () => join(localDir, 'redis-cluster.url');

type Say = (line: string) => void;

function nodePorts(url: string): number[] {
  return url
    .replace(/^redis\+cluster:\/\//, '')
    .split(',')
    .map((node) => Number(node.split(':')[1]));
}

function recordedPids(): (number | null)[] {
  return Array.from({ length: MASTERS }, (_, i) => recordedPid(nodeName(i + 1)));
}

/** The URL of the cluster `up` started, when every one of its nodes still runs; otherwise null. */
export function runningRedisCluster(): string | null {
  if (!existsSync(urlFile())) return null;
  const alive = recordedPids().every((pid) => pid !== null && isAlive(pid));
  return alive ? readFileSync(urlFile(), 'utf8').trim() : null;
}

function describeNodes(url: string, say: Say): void {
  const pids = recordedPids();
  nodePorts(url).forEach((port, i) =>
    say(
      `  node ${i + 1}  127.0.0.1:${port} (master, pid ${pids[i] ?? '?'}, log ${logFile(nodeName(i + 1))})`,
    ),
  );
}

/**
 * Reuses the cluster a previous `up` started when it still serves every slot; otherwise starts a new, empty one
 * on ports chosen afresh. It keeps no append-only file: its data lives as long as its nodes (`npm run down`
 * ends it), unlike the single Redis's. Returns its REDIS_URL.
 */
export async function upRedisCluster(say: Say): Promise<string> {
  const running = runningRedisCluster();
  if (running && (await redisClusterReady(nodePorts(running).map((port) => ({ host: '127.0.0.1', port }))))) {
    say(`redis     cluster ${running} (already running)`);
    describeNodes(running, say);
    return running;
  }
  await downRedisCluster(() => undefined);
  rmSync(clusterDir(), { recursive: true, force: true });
  const cluster = await startRedisCluster({
    dir: clusterDir(),
    logFile: (node) => logFile(nodeName(node)),
  });
  cluster.nodes.forEach((node, i) => writeFileSync(pidFile(nodeName(i + 1)), String(node.pid)));
  writeFileSync(urlFile(), cluster.url);
  say(`redis     cluster ${cluster.url} (started, ${cluster.nodes.length} masters, cluster_state:ok)`);
  describeNodes(cluster.url, say);
  return cluster.url;
}

/** Stops every node `up` recorded; true when one was running. */
export async function downRedisCluster(say: Say): Promise<boolean> {
  let stopped = false;
  for (let node = 1; node <= MASTERS; node++) stopped = (await stopManaged(nodeName(node))) || stopped;
  rmSync(urlFile(), { force: true });
  if (stopped) say('stopped redis cluster');
  return stopped;
}

/** One line per node for `npm run status`; false when a recorded node is not running. */
export function redisClusterStatus(say: Say): boolean {
  if (!existsSync(urlFile())) return true;
  const pids = recordedPids();
  pids.forEach((pid, i) =>
    say(`${nodeName(i + 1).padEnd(15)} ${pid !== null && isAlive(pid) ? `running (pid ${pid})` : 'stopped'}`),
  );
  return pids.every((pid) => pid !== null && isAlive(pid));
}

import type { Redis } from 'ioredis';

import { keyspacePointerKeys } from './read-model-keys.js';

// The read model's keyspace pointers under a base prefix: which keyspace readers use (`active`) and which
// one a projection rebuild is filling (`target`). See ProjectionRebuild.
const active = (basePrefix: string) => keyspacePointerKeys(basePrefix).active;
const target = (basePrefix: string) => keyspacePointerKeys(basePrefix).target;

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** The prefix readers should use: the pointer set by switchKeyspace, else `basePrefix`. */
export async function activeKeyspace(redis: Redis, basePrefix: string): Promise<string> {
  return (await redis.get(active(basePrefix))) ?? basePrefix;
}

/**
 * Points readers at `prefix`; returns the previous active prefix. Use it through ProjectionRebuild: a bare
 * switch while live projectors run can leave an enrollment's first events in the old keyspace only.
 */
export async function switchKeyspace(redis: Redis, basePrefix: string, prefix: string): Promise<string> {
  const previous = await redis.getset(active(basePrefix), prefix);
  return previous ?? basePrefix;
}

/**
 * The keyspace a projection rebuild is filling, if one runs: live projectors write there too, so that
 * nothing published during the rebuild is missing when readers switch over (see ProjectionRebuild).
 */
export async function rebuildTarget(redis: Redis, basePrefix: string): Promise<string | null> {
  return redis.get(target(basePrefix));
}

/**
 * Both pointers in one atomic read. A rebuild switches `active` and then releases `target`; reading them
 * separately could see the old active with no target and feed only the keyspace readers just left.
 */
export async function keyspaces(
  redis: Redis,
  basePrefix: string,
): Promise<{ active: string; target: string | null }> {
  const [current, filling] = await redis.mget(active(basePrefix), target(basePrefix));
  return { active: current ?? basePrefix, target: filling ?? null };
}

/** Claims the rebuild target (one rebuild at a time); the claim expires unless renewed, so a crash frees it. */
export async function claimRebuildTarget(
  redis: Redis,
  basePrefix: string,
  prefix: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.set(target(basePrefix), prefix, 'PX', ttlMs, 'NX')) === 'OK';
}

export async function renewRebuildTarget(redis: Redis, basePrefix: string, ttlMs: number): Promise<void> {
  await redis.pexpire(target(basePrefix), ttlMs);
}

export async function releaseRebuildTarget(redis: Redis, basePrefix: string): Promise<void> {
  await redis.del(target(basePrefix));
}

/** Deletes every key of a keyspace (an old one after a switch); returns how many. */
export async function dropKeyspace(redis: Redis, prefix: string): Promise<number> {
  // A Cluster client's SCAN sees one node: scan every master. One key per UNLINK there, since the keys of
  // one SCAN page may sit in different hash slots.
  const cluster = redis as unknown as { isCluster?: boolean; nodes?: (role: 'master') => Redis[] };
  const nodes = cluster.isCluster && cluster.nodes ? cluster.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}rm:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (cluster.isCluster) for (const key of keys) deleted += await redis.unlink(key);
      else deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

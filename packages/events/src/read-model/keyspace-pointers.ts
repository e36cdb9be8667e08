import type { Redis } from 'ioredis';

// The read model's keyspace pointers under a base prefix: which keyspace readers use (`rm-active`) and which
// one a projection rebuild is filling (`rm-target`). See ProjectionRebuild.
const ACTIVE_POINTER = 'rm-active';
const REBUILD_TARGET = 'rm-target';

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** The prefix readers should use: the pointer set by switchKeyspace, else `basePrefix`. */
export async function activeKeyspace(redis: Redis, basePrefix: string): Promise<string> {
  return (await redis.get(`${basePrefix}${ACTIVE_POINTER}`)) ?? basePrefix;
}

/**
 * Points readers at `prefix`; returns the previous active prefix. Use it through ProjectionRebuild: a bare
 * switch while live projectors run can leave an enrollment's first events in the old keyspace only.
 */
export async function switchKeyspace(redis: Redis, basePrefix: string, prefix: string): Promise<string> {
  const previous = await redis.getset(`${basePrefix}${ACTIVE_POINTER}`, prefix);
  return previous ?? basePrefix;
}

/**
 * The keyspace a projection rebuild is filling, if one runs: live projectors write there too, so that
 * nothing published during the rebuild is missing when readers switch over (see ProjectionRebuild).
 */
export async function rebuildTarget(redis: Redis, basePrefix: string): Promise<string | null> {
  return redis.get(`${basePrefix}${REBUILD_TARGET}`);
}

/**
 * Both pointers in one atomic read. A rebuild switches `active` and then releases `target`; reading them
 * separately could see the old active with no target and feed only the keyspace readers just left.
 */
export async function keyspaces(
  redis: Redis,
  basePrefix: string,
): Promise<{ active: string; target: string | null }> {
  const [active, target] = await redis.mget(
    `${basePrefix}${ACTIVE_POINTER}`,
    `${basePrefix}${REBUILD_TARGET}`,
  );
  return { active: active ?? basePrefix, target: target ?? null };
}

/** Claims the rebuild target (one rebuild at a time); the claim expires unless renewed, so a crash frees it. */
export async function claimRebuildTarget(
  redis: Redis,
  basePrefix: string,
  prefix: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.set(`${basePrefix}${REBUILD_TARGET}`, prefix, 'PX', ttlMs, 'NX')) === 'OK';
}

export async function renewRebuildTarget(redis: Redis, basePrefix: string, ttlMs: number): Promise<void> {
  await redis.pexpire(`${basePrefix}${REBUILD_TARGET}`, ttlMs);
}

export async function releaseRebuildTarget(redis: Redis, basePrefix: string): Promise<void> {
  await redis.del(`${basePrefix}${REBUILD_TARGET}`);
}

/** Deletes every key of a keyspace (an old one after a switch); returns how many. */
export async function dropKeyspace(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}rm:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

import type { Redis } from 'ioredis';
import { redisMasters } from './redis-client.js';

/**
 * SCAN over every master (one server, or each master of a cluster, where SCAN sees one node's keys only), one
 * batch of matching keys at a time with the node that holds them.
 */
async function* scanEveryMaster(redis: Redis, pattern: string): AsyncGenerator<[Redis, string[]]> {
  // A cluster connection knows its masters once it has connected; a PING makes sure it has.
  await redis.ping();
  for (const node of redisMasters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) yield [node, keys];
    } while (cursor !== '0');
  }
}

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/** Every key matching the glob `pattern`, on one server or across a cluster (SCAN, never KEYS), sorted. */
export async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const [, keys] of scanEveryMaster(redis, pattern)) found.push(...keys);
  return [...new Set(found)].sort();
}

/**
 * Deletes every key that starts with `prefix` (SCAN + UNLINK, never KEYS); returns how many. On a cluster each
 * key is unlinked by itself: one UNLINK naming keys of several slots is refused (CROSSSLOT), even on one node.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const [node, keys] of scanEveryMaster(redis, `${escapeGlob(prefix)}*`)) {
    if (node === redis) {
      deleted += await node.unlink(...keys);
      continue;
    }
    const results =
      (await keys.reduce((pipeline, key) => pipeline.unlink(key), node.pipeline()).exec()) ?? [];
    for (const [error, count] of results) {
      if (error) throw error;
      deleted += Number(count);
    }
  }
  return deleted;
}

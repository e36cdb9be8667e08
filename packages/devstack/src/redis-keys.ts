import type { Redis } from 'ioredis';
import { redisMasters } from './redis-client.js';

/**
 * Deletes every key that starts with `prefix` (SCAN + UNLINK, never KEYS); returns how many. On a cluster, SCAN
 * sees one node's keys only, so every master is scanned, and each key is unlinked by itself: one UNLINK naming
 * keys of several slots is refused (CROSSSLOT), even when one node holds them all.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  // A cluster connection knows its masters once it has connected; a PING makes sure it has.
  await redis.ping();
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let deleted = 0;
  for (const node of redisMasters(redis)) {
    const single = node === redis;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (single) {
        deleted += await node.unlink(...keys);
        continue;
      }
      const results =
        (await keys.reduce((pipeline, key) => pipeline.unlink(key), node.pipeline()).exec()) ?? [];
      for (const [error, count] of results) {
        if (error) throw error;
        deleted += Number(count);
      }
    } while (cursor !== '0');
  }
  return deleted;
}

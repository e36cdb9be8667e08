import { isolatedNames, redisClient, testInfra } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { InMemoryDedupeStore, RedisDedupeStore } from '../src/index.js';
import { useRedis } from './support/infra.js';

const names = isolatedNames('events-dedupe');
const redis = useRedis(names);

describe('dedupe stores', () => {
  it('InMemoryDedupeStore forgets the least recently used ids beyond its capacity', async () => {
    const store = new InMemoryDedupeStore(3);
    for (const id of ['a', 'b', 'c']) await store.add(id);
    expect(await store.has('a')).toBe(true); // refreshes a
    await store.add('d');
    expect(await store.has('b')).toBe(false);
    expect(await store.has('a')).toBe(true);
    expect(await store.has('c')).toBe(true);
    expect(await store.has('d')).toBe(true);
    expect(store.size).toBe(3);
    expect(() => new InMemoryDedupeStore(0)).toThrow(RangeError);
  });

  it('RedisDedupeStore remembers ids under its prefix with a TTL, shared across instances', async () => {
    const a = new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}g1:`, ttlSec: 120 });
    const secondConnection = redisClient(testInfra().redisUrl);
    const b = new RedisDedupeStore(secondConnection, { prefix: `${names.keyPrefix}g1:` });
    const otherGroup = new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}g2:` });
    expect(await a.has('evt-1')).toBe(false);
    await a.add('evt-1');
    expect(await b.has('evt-1')).toBe(true);
    expect(await otherGroup.has('evt-1')).toBe(false);
    const ttl = await redis.ttl(a.key('evt-1'));
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await a.claim('evt-2')).toBe(true);
    expect(await b.claim('evt-2')).toBe(false);
    await secondConnection.quit();
  });
});

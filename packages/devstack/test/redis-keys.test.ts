import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, isolatedNames, redisClient, testInfra } from '../src/index.js';

describe('deleteKeysWithPrefix', () => {
  const redis = redisClient(testInfra().redisUrl);
  const { keyPrefix } = isolatedNames('devstack-redis-keys');
  afterAll(() => redis.quit());

  it('deletes every key under the prefix and nothing beside it', async () => {
    const other = `${keyPrefix.slice(0, -1)}-other:kept`;
    for (let i = 0; i < 2500; i++) await redis.set(`${keyPrefix}k${i}`, '1');
    await redis.set(other, '1');
    expect(await deleteKeysWithPrefix(redis, keyPrefix)).toBe(2500);
    expect(await redis.exists(`${keyPrefix}k0`)).toBe(0);
    expect(await redis.exists(`${keyPrefix}k2499`)).toBe(0);
    expect(await redis.get(other)).toBe('1');
    await redis.del(other);
  });
});

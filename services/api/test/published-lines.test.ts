import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { isPublished, markPublished } from '../src/batch/published-lines.js';
import { redisClient } from '@verified-onboard/devstack';

const redis = redisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(() => redis.quit());

it('ORs each chunk into the bitmap, keeping the lines earlier chunks marked, and renews the TTL', async () => {
  const key = `published-lines-test:${randomUUID()}`;
  // Chunks out of order and overlapping bytes, as concurrent publishes acknowledge them.
  await markPublished(redis, key, [9, 10, 17], 60);
  await markPublished(redis, key, [1, 3, 8], 60);
  await markPublished(redis, key, [11, 40], 120);
  const bitmap = (await redis.getBuffer(key)) ?? Buffer.alloc(0);
  const marked = Array.from({ length: 48 }, (_, line) => line).filter((line) => isPublished(bitmap, line));
  expect(marked).toEqual([1, 3, 8, 9, 10, 11, 17, 40]);
  // The same bits SETBIT would set, so bitmaps written before this change read the same.
  for (const line of marked) expect(await redis.getbit(key, line)).toBe(1);
  expect(await redis.ttl(key)).toBeGreaterThan(60);
  await redis.del(key);
});

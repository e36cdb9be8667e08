import {
  deleteKeysWithPrefix,
  isolatedNames,
  redisClient,
  testInfra,
  waitFor,
} from '@verified-onboard/devstack';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterClosedError, RedisRateLimiter, rateLimiterKeys } from '../src/stores/rate-limiter.js';

// One slot an hour: no test lasts long enough for a spent slot to come back, so what the limiter admits
// and refuses below does not depend on how fast the machine runs the calls.
const ONE_AN_HOUR = 1 / 3600;
const HOUR_MS = 3_600_000;

describe('RedisRateLimiter (one budget for every worker process)', () => {
  const names = isolatedNames('limiter');
  let redis: Redis;
  let other: Redis;
  let n = 0;
  const freshPrefix = () => `${names.queuePrefix}-${n++}`;

  beforeAll(() => {
    redis = redisClient(testInfra().redisUrl);
    other = redisClient(testInfra().redisUrl);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, names.queuePrefix);
    redis.disconnect();
    other.disconnect();
  });

  it('admits a burst, then makes every process wait for the shared budget', async () => {
    const prefix = freshPrefix();
    // Two limiters on two connections stand for two worker processes.
    const a = new RedisRateLimiter(redis, { prefix, ratePerSec: ONE_AN_HOUR, burst: 3 });
    const b = new RedisRateLimiter(other, { prefix, ratePerSec: ONE_AN_HOUR, burst: 3 });
    const waits = [];
    for (const limiter of [a, b, a, b, a]) waits.push(await limiter.tryAcquire());
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // The burst is spent for both processes: the next slot is up to one interval away, whoever asks.
    for (const wait of waits.slice(3)) {
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(HOUR_MS);
    }
  });

  it('acquire() waits for the next slot instead of failing', async () => {
    const prefix = freshPrefix();
    const holder = new RedisRateLimiter(redis, { prefix, ratePerSec: ONE_AN_HOUR, burst: 1 });
    const waits: number[] = [];
    const waiting = new RedisRateLimiter(other, {
      prefix,
      ratePerSec: ONE_AN_HOUR,
      burst: 1,
      maxSleepMs: 20,
      onWait: (ms) => waits.push(ms),
    });
    expect(await holder.tryAcquire()).toBe(0);
    const acquired = waiting.acquire();
    await waitFor('the second caller to wait', () => waits.length > 0);
    // The slot comes back (as it would after its interval): the waiting caller then goes through.
    await redis.del(rateLimiterKeys(prefix).tat);
    await acquired;
    expect(waits[0]).toBeGreaterThan(0);
  });

  it('a pause (429 Retry-After) holds every caller, and only extends, never shortens', async () => {
    const prefix = freshPrefix();
    const pauseKey = rateLimiterKeys(prefix).pause;
    const a = new RedisRateLimiter(redis, { prefix, ratePerSec: 1000 });
    const b = new RedisRateLimiter(other, { prefix, ratePerSec: 1000 });
    await a.pauseFor(HOUR_MS);
    const until = Number(await redis.get(pauseKey));
    await a.pauseFor(1_000);
    expect(Number(await redis.get(pauseKey))).toBe(until);
    const wait = await b.tryAcquire();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(HOUR_MS);
    expect(await b.pausedForMs()).toBeGreaterThan(0);
    await b.pauseFor(2 * HOUR_MS);
    expect(Number(await redis.get(pauseKey))).toBeGreaterThan(until);
  });

  it('close() makes waiting callers fail fast (shutdown)', async () => {
    const prefix = freshPrefix();
    const limiter = new RedisRateLimiter(redis, { prefix, ratePerSec: 1000, maxSleepMs: 50 });
    await limiter.pauseFor(HOUR_MS);
    const pending = limiter.acquire();
    limiter.close();
    await expect(pending).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new RedisRateLimiter(redis, { prefix: 'x', ratePerSec: 0 })).toThrow(RangeError);
  });
});

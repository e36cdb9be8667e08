import { testInfra, isolatedNames } from '@verified-onboard/devstack';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterClosedError, RedisRateLimiter } from '../src/upstream/rate-limiter.js';

describe('RedisRateLimiter (one budget for every worker process)', () => {
  let redis: Redis;
  let other: Redis;

  beforeAll(() => {
    redis = new Redis(testInfra().redisUrl);
    other = new Redis(testInfra().redisUrl);
  });
  afterAll(() => {
    redis.disconnect();
    other.disconnect();
  });

  it('admits a burst, then makes every process wait for the shared budget', async () => {
    const prefix = isolatedNames('limiter').queuePrefix;
    // Two limiters on two connections stand for two worker processes.
    const a = new RedisRateLimiter(redis, { prefix, ratePerSec: 2, burst: 3 });
    const b = new RedisRateLimiter(other, { prefix, ratePerSec: 2, burst: 3 });
    const waits = [
      await a.tryAcquire(),
      await b.tryAcquire(),
      await a.tryAcquire(),
      await b.tryAcquire(),
      await a.tryAcquire(),
    ];
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // At 2/s the next slot is up to 500 ms away, for whichever process asks.
    expect(waits[3]).toBeGreaterThan(0);
    expect(waits[3]).toBeLessThanOrEqual(500);
    expect(waits[4]).toBeGreaterThan(0);
  });

  it('acquire() waits for the next slot instead of failing', async () => {
    const prefix = isolatedNames('limiter').queuePrefix;
    const limiter = new RedisRateLimiter(redis, { prefix, ratePerSec: 20, burst: 1 });
    let waited = 0;
    const counting = new RedisRateLimiter(redis, {
      prefix,
      ratePerSec: 20,
      burst: 1,
      onWait: () => waited++,
    });
    await limiter.acquire();
    await counting.acquire();
    expect(waited).toBeGreaterThan(0);
  });

  it('a pause (429 Retry-After) holds every caller, and only extends, never shortens', async () => {
    const prefix = isolatedNames('limiter').queuePrefix;
    const a = new RedisRateLimiter(redis, { prefix, ratePerSec: 1000 });
    const b = new RedisRateLimiter(other, { prefix, ratePerSec: 1000 });
    await a.pauseFor(5_000);
    await a.pauseFor(1_000);
    const wait = await b.tryAcquire();
    expect(wait).toBeGreaterThan(1_000);
    expect(wait).toBeLessThanOrEqual(5_000);
    expect(await b.pausedForMs()).toBeGreaterThan(1_000);
  });

  it('close() makes waiting callers fail fast (shutdown)', async () => {
    const prefix = isolatedNames('limiter').queuePrefix;
    const limiter = new RedisRateLimiter(redis, { prefix, ratePerSec: 1000, maxSleepMs: 50 });
    await limiter.pauseFor(60_000);
    const pending = limiter.acquire();
    limiter.close();
    await expect(pending).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new RedisRateLimiter(redis, { prefix: 'x', ratePerSec: 0 })).toThrow(RangeError);
  });
});

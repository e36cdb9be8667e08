import { describe, expect, it } from 'vitest';
import { isRedisUnavailable } from '../src/http/redis-errors.js';

// The texts and names are ioredis's own (5.x); a request that meets one answers 503 redis_unavailable.
describe('isRedisUnavailable', () => {
  it('recognises a Redis Cluster that no node answers as unavailable', () => {
    expect(isRedisUnavailable(new Error("Cluster isn't ready and enableOfflineQueue options is false"))).toBe(
      true,
    );
    const refresh = new Error('Failed to refresh slots cache.');
    refresh.name = 'ClusterAllFailedError';
    expect(isRedisUnavailable(refresh)).toBe(true);
  });

  it('recognises a single server that is away, and not a command Redis refused', () => {
    expect(
      isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
    expect(
      isRedisUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe(false);
  });
});

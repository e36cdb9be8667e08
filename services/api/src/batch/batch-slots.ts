import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TooManyConcurrentBatchesError } from '../errors.js';

export interface BatchSlotOptions {
  /** Batches one API key may stream at once, across every api instance. */
  perKey: number;
  /** A slot not refreshed for this long is free again (its api instance died mid-batch). */
  ttlMs: number;
  /** How often a streaming batch pushes its slot's expiry forward. */
  refreshMs: number;
}

export const DEFAULT_SLOT_TIMING = { ttlMs: 30_000, refreshMs: 2_000 };

/** A held slot: keeps itself alive while the batch streams; `release` frees it. */
export interface BatchSlot {
  release(): Promise<void>;
}

// A sorted set per key: member = slot token, score = expiry (ms, Redis clock). Expired slots are pruned before
// counting, so a crashed instance's slots free themselves; the count and the add are one atomic step.
const ACQUIRE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const REFRESH = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', nowMs + tonumber(ARGV[1]), ARGV[2]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
`;

/**
 * Bounds the batches one API key streams at once (review §5, backpressure): each batch holds up to 4000 events
 * in memory while it waits for acknowledgements, so N concurrent uploads would hold N times that.
 */
export class BatchSlots {
  constructor(
    private readonly redis: Redis,
    private readonly key: (apiKeyId: string) => string,
    private readonly options: BatchSlotOptions,
  ) {}

  async acquire(apiKeyId: string): Promise<BatchSlot> {
    const key = this.key(apiKeyId);
    const token = randomUUID();
    const { perKey, ttlMs, refreshMs } = this.options;
    const got = await this.redis.eval(ACQUIRE, 1, key, perKey, ttlMs, token);
    if (got !== 1) throw new TooManyConcurrentBatchesError(perKey, Math.ceil(refreshMs / 1000) + 1);
    const timer = setInterval(() => {
      // A failed refresh only shortens the slot's life; the batch itself goes on.
      this.redis.eval(REFRESH, 1, key, ttlMs, token).catch(() => undefined);
    }, refreshMs);
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.redis.zrem(key, token);
      },
    };
  }
}

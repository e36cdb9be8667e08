import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

// GCRA (generic cell rate algorithm) on one Redis key: the "theoretical arrival time" of the next call.
// Redis's own clock (TIME) is used so that worker hosts with skewed clocks still share one budget.
// Returns 0 when the call may go now, otherwise the milliseconds to wait before asking again. Both keys are
// read by one MGET: every upstream call runs this, so each command in it counts (docs/benchmarks.md).
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stored = redis.call('MGET', KEYS[2], KEYS[1])
local pauseUntil = tonumber(stored[1] or '0')
if pauseUntil > now then return pauseUntil - now end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(stored[2] or '0')
if tat < now then tat = now end
local allowAt = tat - tolerance
if allowAt > now then return math.max(1, math.ceil(allowAt - now)) end
local newTat = tat + interval
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now) + 1000)
return 0
`;

// Extends (never shortens) the fleet-wide pause: two 429s with different Retry-After keep the later one.
const PAUSE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= untilMs then return current - now end
redis.call('SET', KEYS[1], tostring(untilMs), 'PX', tonumber(ARGV[1]))
return tonumber(ARGV[1])
`;

interface LimiterCommands {
  voRateAcquire(tatKey: string, pauseKey: string, intervalMs: string, toleranceMs: string): Promise<number>;
  voRatePause(pauseKey: string, ms: string): Promise<number>;
}

/** The limiter's keys: the next call's theoretical arrival time, and the fleet-wide pause. */
export function rateLimiterKeys(prefix: string) {
  // One hash tag for both: the acquire script reads the pause and moves the budget in one call, which Redis
  // Cluster allows only within one hash slot.
  return { tat: `${prefix}:{ratelimit:verified}`, pause: `${prefix}:{ratelimit:verified}:pause-until` };
}

export interface RedisRateLimiterOptions {
  /** Key prefix, e.g. `vo` (see rateLimiterKeys). */
  prefix: string;
  /** Calls per second shared by every process using the same Redis and prefix. */
  ratePerSec: number;
  /** Calls allowed back to back after an idle period; defaults to a fifth of a second's budget (at least 1). */
  burst?: number;
  /** Longest single sleep before asking Redis again (a pause may be lifted or shortened meanwhile). */
  maxSleepMs?: number;
  /** Called whenever a caller had to wait (metrics). */
  onWait?: (ms: number) => void;
}

/**
 * One global budget for calls to the Verified API across every worker process: the client calls
 * `acquire()` before each HTTP request (token calls included). A 429 from the upstream pauses the
 * whole fleet through `pauseFor(ms)`, which every `acquire()` honours.
 */
export class RedisRateLimiter {
  private readonly redis: Redis & LimiterCommands;
  private readonly tatKey: string;
  private readonly pauseKey: string;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly maxSleepMs: number;
  private closed = false;

  constructor(
    redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {
    if (!(options.ratePerSec > 0)) throw new RangeError('ratePerSec must be > 0');
    const commands = redis as Redis & Partial<LimiterCommands>;
    if (!commands.voRateAcquire)
      redis.defineCommand('voRateAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT });
    if (!commands.voRatePause) redis.defineCommand('voRatePause', { numberOfKeys: 1, lua: PAUSE_SCRIPT });
    this.redis = redis as Redis & LimiterCommands;
    const keys = rateLimiterKeys(options.prefix);
    this.tatKey = keys.tat;
    this.pauseKey = keys.pause;
    this.intervalMs = 1000 / options.ratePerSec;
    const burst = Math.max(1, Math.floor(options.burst ?? Math.ceil(options.ratePerSec / 5)));
    this.toleranceMs = this.intervalMs * (burst - 1);
    this.maxSleepMs = options.maxSleepMs ?? 1000;
  }

  /** Milliseconds to wait before a call may go; 0 means the call was admitted (and counted). */
  async tryAcquire(): Promise<number> {
    return Number(
      await this.redis.voRateAcquire(
        this.tatKey,
        this.pauseKey,
        String(this.intervalMs),
        String(this.toleranceMs),
      ),
    );
  }

  async acquire(): Promise<void> {
    for (;;) {
      if (this.closed) throw new RateLimiterClosedError();
      const waitMs = await this.tryAcquire();
      if (waitMs <= 0) return;
      this.options.onWait?.(waitMs);
      // A little jitter so callers released together do not stampede Redis together.
      await sleep(Math.min(waitMs, this.maxSleepMs) + Math.floor(Math.random() * 10));
    }
  }

  /** Pauses every caller of every process for at least `ms` (e.g. the upstream's Retry-After). */
  async pauseFor(ms: number): Promise<number> {
    return Number(await this.redis.voRatePause(this.pauseKey, String(Math.max(1, Math.ceil(ms)))));
  }

  /** Remaining fleet-wide pause in ms (0 when none). */
  async pausedForMs(): Promise<number> {
    const [untilRaw, time] = await Promise.all([this.redis.get(this.pauseKey), this.redis.time()]);
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return Math.max(0, Number(untilRaw ?? 0) - now);
  }

  /** Makes pending and future `acquire()` calls fail fast (shutdown). */
  close(): void {
    this.closed = true;
  }
}

export class RateLimiterClosedError extends Error {
  readonly code = 'rate_limiter_closed';
  readonly retryable = true;
  constructor() {
    super('rate limiter closed (worker shutting down)');
    this.name = 'RateLimiterClosedError';
  }
}

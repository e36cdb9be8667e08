import type { Logger } from 'pino';
import type { RedisRateLimiter } from '../stores/rate-limiter.js';
import type { Closers } from './closers.js';
import type { StepsRole } from './steps-role.js';

export interface ShutdownParts {
  steps: StepsRole | null;
  projector: { stop(): Promise<void> } | null;
  limiter: RedisRateLimiter;
  closers: Closers;
  shutdownTimeoutMs: number;
  logger: Logger;
}

/** The staged, graceful stop of a worker: no new work, then active jobs (bounded), then connections. */
export async function shutdown(parts: ShutdownParts): Promise<void> {
  const { steps, projector, logger } = parts;
  const started = Date.now();
  // 1. No new work: leave the consumer groups (offsets of handled events are committed on the way out).
  await Promise.all([steps?.stopIntake(), projector?.stop()]);
  // 2. Active jobs finish within the budget; past it they are released (the lock lapses and another
  //    worker re-runs them: every step is idempotent).
  const budget = Math.max(100, parts.shutdownTimeoutMs - (Date.now() - started));
  await steps?.drain(budget);
  parts.limiter.close();
  // 3. Connections (producer flushes what is queued first).
  await parts.closers.closeAll();
  logger.info({ ms: Date.now() - started }, 'worker stopped');
}

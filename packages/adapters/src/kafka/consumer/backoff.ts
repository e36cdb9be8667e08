import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff shared by every retry loop of the consumer: initialMs, doubling up to maxMs. */
export class Backoff {
  private delay: number;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
  ) {
    this.delay = initialMs;
  }

  /** Waits the current delay and doubles it; false when `signal` aborted the wait (stop()). */
  async wait(signal: AbortSignal): Promise<boolean> {
    const ms = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxMs);
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  reset(): void {
    this.delay = this.initialMs;
  }
}

/** How a retried operation ended: it succeeded, the consumer stopped it, or it failed `maxAttempts` times. */
export type RetryOutcome =
  { outcome: 'done' } | { outcome: 'stopped' } | { outcome: 'exhausted'; error: unknown };

export interface RetryWithBackoffOptions {
  backoff: Backoff;
  /** Aborted by stop(): ends a wait at once. */
  signal: AbortSignal;
  /** Checked after every failure and every wait; false stops the retries. */
  active: () => boolean;
  /** Default: no bound. */
  maxAttempts?: number;
  /** Wait once before the first attempt (a restart after a crash must not hammer the broker). */
  delayFirst?: boolean;
  onError?: (error: unknown, attempt: number) => void;
  /** Runs after each wait, before the next attempt; a throw stops the retries (a lost partition). */
  beforeRetry?: () => Promise<void>;
}

/** The one retry loop of the consumer: the restart after a crash, the handler stages and the dead letters. */
export async function retryWithBackoff(
  attempt: (attempt: number) => Promise<void>,
  options: RetryWithBackoffOptions,
): Promise<RetryOutcome> {
  const { backoff, signal, active, maxAttempts = Number.POSITIVE_INFINITY } = options;
  if (options.delayFirst && (!(await backoff.wait(signal)) || !active())) return { outcome: 'stopped' };
  for (let n = 1; ; n++) {
    let failure: unknown;
    try {
      await attempt(n);
      return { outcome: 'done' };
    } catch (error) {
      failure = error;
      options.onError?.(error, n);
    }
    if (!active()) return { outcome: 'stopped' };
    if (n >= maxAttempts) return { outcome: 'exhausted', error: failure };
    if (!(await backoff.wait(signal)) || !active()) return { outcome: 'stopped' };
    if (options.beforeRetry) {
      try {
        await options.beforeRetry();
      } catch {
        return { outcome: 'stopped' };
      }
    }
  }
}

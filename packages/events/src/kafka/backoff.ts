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

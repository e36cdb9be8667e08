import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { PollDispatch } from '../config.js';
import type { ParkedPolls } from './parked-polls.js';

/**
 * The loop that moves due parked polls onto the queue. Every worker process runs one; the lease in
 * ParkedPolls keeps two of them from taking the same poll, and a dispatch of a job that exists is a no-op.
 */
export class PollDispatcher {
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly wake = new AbortController();

  constructor(
    private readonly parked: ParkedPolls,
    private readonly options: PollDispatch,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let due = 0;
      try {
        due = await this.parked.dispatchDue();
      } catch (error) {
        this.logger.warn(
          { err: { message: (error as Error).message } },
          'poll dispatch failed; trying again',
        );
      }
      // A full batch means more are due: go on at once.
      if (due < this.options.batch)
        await sleep(this.options.intervalMs, undefined, { signal: this.wake.signal }).catch(() => {});
    }
  }
}

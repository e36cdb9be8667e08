import { retryWithBackoff } from './backoff.js';
import { newBackoff, type ConsumerContext } from './options.js';

/**
 * kafkajs restarts a consumer itself only after errors it deems retriable; after any other it stays stopped,
 * and the process would go on without consuming. Nothing must end consumption but stop(): this rebuilds the
 * consumer (`replace`) with backoff until one runs, and goes round again if that one crashes too.
 */
export class CrashRestarter {
  private restarting: Promise<void> | null = null;
  /** Set by a crash kafkajs will not restart from; the restart loop runs while it is set. */
  private crashedSinceRestart = false;

  constructor(
    private readonly context: ConsumerContext,
    private readonly replace: () => Promise<void>,
  ) {}

  /** A crash of the running consumer: starts the restart loop unless it already runs. */
  crashed(): void {
    this.crashedSinceRestart = true;
    this.restarting ??= this.restartAfterCrash();
  }

  /** Resolves once a restart in progress has ended (stop() aborts its waits). */
  async settled(): Promise<void> {
    await this.restarting;
  }

  private async restartAfterCrash(): Promise<void> {
    const { options, logger, counters, signal, isStopping } = this.context;
    const backoff = newBackoff(options);
    try {
      while (!isStopping() && this.crashedSinceRestart) {
        await retryWithBackoff(
          async () => {
            this.crashedSinceRestart = false;
            try {
              await this.replace();
            } catch (error) {
              this.crashedSinceRestart = true;
              throw error;
            }
            counters.restarts++;
            logger.warn({ groupId: options.groupId }, 'consumer restarted after a crash');
          },
          {
            backoff,
            signal,
            active: () => !isStopping(),
            delayFirst: true,
            onError: (error) =>
              logger.error(
                { err: { message: (error as Error).message }, groupId: options.groupId },
                'consumer restart failed; trying again',
              ),
          },
        );
      }
    } finally {
      this.restarting = null;
    }
  }
}

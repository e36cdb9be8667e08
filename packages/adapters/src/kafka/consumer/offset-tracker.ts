import type { Batch, EachBatchPayload } from 'kafkajs';
import type { LoggerLike } from '../../logger.js';

/**
 * The offsets of one batch: records are resolved as they finish, committed at least every `intervalMs` inside
 * a long batch and always at its end (`commit()`), never past a record that has not finished.
 */
export class OffsetTracker {
  private finished: string | null = null;
  private committed: string | null = null;
  private lastCommitAt = Date.now();

  constructor(
    private readonly payload: EachBatchPayload,
    private readonly intervalMs: number,
    private readonly logger: LoggerLike,
  ) {}

  private get batch(): Batch {
    return this.payload.batch;
  }

  /** The record at `offset` and every one before it are done. */
  async markDone(offset: string): Promise<void> {
    this.payload.resolveOffset(offset);
    this.finished = offset;
    if (Date.now() - this.lastCommitAt >= this.intervalMs) await this.commit();
  }

  async commit(): Promise<void> {
    if (this.finished === null || this.finished === this.committed) return;
    const offset = this.finished;
    try {
      await this.payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: this.batch.topic,
            partitions: [{ partition: this.batch.partition, offset: (BigInt(offset) + 1n).toString() }],
          },
        ],
      });
      this.committed = offset;
      this.lastCommitAt = Date.now();
    } catch (error) {
      // Typically a rebalance: the next owner starts from the last commit and dedupe absorbs the overlap.
      this.logger.warn(
        {
          err: { message: (error as Error).message },
          topic: this.batch.topic,
          partition: this.batch.partition,
        },
        'offset commit failed',
      );
    }
  }
}

import type { Batch } from 'kafkajs';
import type { DedupeStore } from '../../redis/dedupe/dedupe-store.js';
import { retryWithBackoff, type RetryOutcome } from './backoff.js';
import type { DeadLetterPublisher } from './dead-letter.js';
import {
  newBackoff,
  type ChunkItem,
  type ChunkOutcome,
  type ConsumedEvent,
  type ConsumerContext,
} from './options.js';

const errorCode = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return (error as Error | null)?.name ?? 'Error';
};

/** What one partition's batch lends to the stages of a chunk. */
export interface PartitionTurn {
  batch: Batch;
  /** False once the consumer stops, the partition is revoked or the batch is stale. */
  active: () => boolean;
  heartbeat: () => Promise<void>;
}

/**
 * Hands a run of decoded events of one partition through dedupe, the handler and the dedupe marks; each
 * stage retried on its own so a failing mark never re-runs the handler. A handler that fails every attempt
 * on a run of events is tried on each alone, so that only the poison one goes to the dead-letter topic.
 */
export class ChunkHandler {
  constructor(
    private readonly context: ConsumerContext,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  async handle(turn: PartitionTurn, chunk: ChunkItem[]): Promise<ChunkOutcome> {
    const { options, counters } = this.context;
    const { dedupe } = options;
    let fresh: ChunkItem[] = chunk;
    const first = fresh[0];
    if (first === undefined) return 'done';
    if (dedupe) {
      const { outcome } = await this.withRetry(turn, first.consumed, async () => {
        const seen = await Promise.all(fresh.map((c) => dedupe.has(c.consumed.event.id)));
        const kept = fresh.filter((_, i) => !seen[i]);
        counters.duplicates += fresh.length - kept.length;
        fresh = kept;
      });
      if (outcome !== 'done') return 'stopped';
    }
    const head = fresh[0];
    if (head === undefined) return 'done';
    const maxAttempts = options.maxHandlerAttempts ?? Number.POSITIVE_INFINITY;
    const handle = (items: ChunkItem[]) => async () => {
      const consumed = items.map((item) => item.consumed);
      if (options.handleBatch) await options.handleBatch(consumed);
      else if (consumed[0]) await options.handler(consumed[0]);
    };
    const handled = await this.withRetry(turn, head.consumed, handle(fresh), maxAttempts);
    if (handled.outcome === 'stopped') return 'stopped';
    let done = fresh;
    if (handled.outcome === 'exhausted') {
      done = [];
      for (const item of fresh) {
        const alone =
          fresh.length === 1
            ? handled
            : await this.withRetry(turn, item.consumed, handle([item]), maxAttempts);
        if (alone.outcome === 'stopped') return 'stopped';
        if (alone.outcome === 'done') {
          done.push(item);
          continue;
        }
        const cause = { reason: 'handler_failed', error: errorCode(alone.error), attempts: maxAttempts };
        if ((await this.deadLetters.publish(turn.batch, item.message, cause, turn.active)) === 'stopped')
          return 'stopped';
      }
    }
    counters.handled += done.length;
    if (dedupe) await this.markHandled(turn, done, dedupe);
    return 'done';
  }

  /** The handler's effect is done: marking must not be abandoned on stop, or the next owner repeats it. */
  private async markHandled(turn: PartitionTurn, done: ChunkItem[], dedupe: DedupeStore): Promise<void> {
    const head = done[0];
    if (head === undefined) return;
    const marked = await this.withRetry(
      { ...turn, active: () => true },
      head.consumed,
      async () => {
        await Promise.all(done.map((c) => dedupe.add(c.consumed.event.id)));
      },
      5,
    );
    if (marked.outcome !== 'done')
      this.context.logger.warn(
        { eventId: head.consumed.event.id },
        'could not record handled event ids; they may be redelivered',
      );
  }

  private withRetry(
    turn: PartitionTurn,
    first: ConsumedEvent,
    stage: () => Promise<void>,
    maxAttempts = Number.POSITIVE_INFINITY,
  ): Promise<RetryOutcome> {
    const { options, logger, counters, signal } = this.context;
    return retryWithBackoff(stage, {
      backoff: newBackoff(options),
      signal,
      active: turn.active,
      maxAttempts,
      beforeRetry: turn.heartbeat, // rebalancing: the partition may be someone else's now
      onError: (error, attempt) => {
        counters.handlerErrors++;
        options.onHandlerError?.(error, first);
        logger.warn(
          {
            err: { message: (error as Error)?.message, code: (error as { code?: unknown })?.code },
            eventId: first.event.id,
            type: first.event.type,
            topic: first.topic,
            partition: first.partition,
            offset: first.offset,
            attempt,
          },
          'event handler failed; retrying the partition',
        );
      },
    });
  }
}

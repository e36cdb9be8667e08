import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { decodeEvent, type EventEnvelope, EventValidationError } from '@verified-onboard/events';
import type { ChunkHandler, PartitionTurn } from './chunk-handler.js';
import type { DeadLetterPublisher } from './dead-letter.js';
import { OffsetTracker } from './offset-tracker.js';
import type { ChunkItem, ChunkOutcome, ConsumerContext } from './options.js';
import { typeFilter } from './type-filter.js';

/**
 * One kafkajs batch of one partition, in order: records of other types are passed over, undecodable ones are
 * dead-lettered, the rest are handed on in chunks (one event each without `handleBatch`). Offsets move only
 * past records that finished, and the batch commits what finished however it ends.
 */
export class BatchHandler {
  private readonly wants: (message: KafkaMessage) => boolean;
  private readonly chunkLimit: number;

  constructor(
    private readonly context: ConsumerContext,
    private readonly chunks: ChunkHandler,
    private readonly deadLetters: DeadLetterPublisher,
  ) {
    const { options } = context;
    this.wants = typeFilter(options.types, options.upcasters);
    this.chunkLimit = options.handleBatch ? (options.maxHandleBatchSize ?? 500) : 1;
  }

  async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { options, logger } = this.context;
    const turn: PartitionTurn = {
      batch,
      heartbeat: () => payload.heartbeat(),
      active: () => !this.context.isStopping() && payload.isRunning() && !payload.isStale(),
    };
    const offsets = new OffsetTracker(payload, options.commitIntervalMs ?? 1000, logger);

    let chunk: ChunkItem[] = [];
    // A record passed over while a chunk is pending is resolved with the chunk, never before it.
    let passedAfterChunk: string | null = null;
    const flush = async (): Promise<ChunkOutcome> => {
      const last = chunk.at(-1)?.message.offset;
      if (last === undefined) return 'done';
      const outcome = await this.chunks.handle(turn, chunk);
      if (outcome === 'done') {
        await offsets.markDone(
          passedAfterChunk !== null && BigInt(passedAfterChunk) > BigInt(last) ? passedAfterChunk : last,
        );
      }
      chunk = [];
      passedAfterChunk = null;
      return outcome;
    };

    try {
      for (const message of batch.messages) {
        if (!turn.active()) break;
        if (!this.wants(message)) {
          if (chunk.length === 0) await offsets.markDone(message.offset);
          else passedAfterChunk = message.offset;
          continue;
        }
        let event: EventEnvelope;
        try {
          event = decodeEvent(message, { upcasters: options.upcasters });
        } catch (error) {
          if (!(error instanceof EventValidationError)) throw error;
          if ((await flush()) === 'stopped') break;
          const cause = { reason: error.reason, error: error.message };
          if ((await this.deadLetters.publish(batch, message, cause, turn.active)) === 'stopped') break;
          await offsets.markDone(message.offset);
          continue;
        }
        chunk.push({
          consumed: { event, topic: batch.topic, partition: batch.partition, offset: message.offset },
          message,
        });
        if (chunk.length >= this.chunkLimit && (await flush()) === 'stopped') break;
        await turn.heartbeat();
      }
      if (turn.active()) await flush();
    } finally {
      await offsets.commit();
    }
  }
}

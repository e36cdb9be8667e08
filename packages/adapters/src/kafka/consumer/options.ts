import type { KafkaMessage, RetryOptions } from 'kafkajs';
import type { DedupeStore } from '../../redis/dedupe/dedupe-store.js';
import type { EventEnvelope, UpcasterRegistry } from '@verified-onboard/events';
import type { LoggerLike } from '../../logger.js';
import { Backoff } from './backoff.js';

export interface ConsumedEvent {
  event: EventEnvelope;
  topic: string;
  partition: number;
  offset: string;
}

export interface EventConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  dedupe?: DedupeStore;
  deadLetterTopic: string;
  /**
   * Called once per event, in partition order. Throwing retries it with backoff (the partition waits) up to
   * `maxHandlerAttempts` times; then the event goes to the dead-letter topic and the partition moves on.
   */
  handler: (event: ConsumedEvent) => Promise<void>;
  /** When set, replaces `handler`: called with runs of consecutive valid, not yet seen events of one partition. */
  handleBatch?: (events: ConsumedEvent[]) => Promise<void>;
  /** Most events given to one handleBatch call (default 500). */
  maxHandleBatchSize?: number;
  logger?: LoggerLike;
  /** Partitions handled in parallel by this member (order within each partition is kept); default 4. */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Broker long-poll; also bounds how long stop() waits for an idle fetch. Default 500 ms. */
  maxWaitTimeMs?: number;
  /**
   * Attempts of the handler per event before it is dead-lettered (reason `handler_failed`). Default: no bound,
   * for a consumer whose events must apply in order (a skipped one would break the rest of its stream).
   */
  maxHandlerAttempts?: number;
  /** Backoff of a failing handler: starts at initialMs, doubles to maxMs. */
  retry?: { initialMs?: number; maxMs?: number };
  /** Commit at least this often inside a long batch (default 1000 ms); a batch end always commits. */
  commitIntervalMs?: number;
  upcasters?: UpcasterRegistry;
  /** kafkajs's own retry of a consumer (fetch, join, a batch that threw); default kafkajs's (5 retries). */
  kafkaRetry?: RetryOptions;
  /**
   * Event types this consumer acts on. Other records are passed over unread (their offsets still commit):
   * a consumer that needs a few types of a busy topic saves decoding and validating the rest. Types an
   * upcaster lifts are read too. Default: every record.
   */
  types?: readonly string[];
  /** Metrics hook for handler failures (the event's data is never logged). */
  onHandlerError?: (error: unknown, event: ConsumedEvent) => void;
}

export interface ConsumerStats {
  handled: number;
  duplicates: number;
  deadLettered: number;
  handlerErrors: number;
  /** Times the consumer was rebuilt after a crash kafkajs would not restart from. */
  restarts: number;
}

/** How handing a run of events (or one dead letter) ended: the partition moves on, or it must stop here. */
export type ChunkOutcome = 'done' | 'stopped';

/** A decoded event with the record it came from (dead letters copy the record as it was). */
export interface ChunkItem {
  consumed: ConsumedEvent;
  message: KafkaMessage;
}

/** What the stages of one consumer share: its options, logger, counters, and the stop() signal. */
export interface ConsumerContext {
  readonly options: EventConsumerOptions;
  readonly logger: LoggerLike;
  readonly counters: ConsumerStats;
  readonly signal: AbortSignal;
  readonly isStopping: () => boolean;
}

export function newBackoff(options: EventConsumerOptions): Backoff {
  return new Backoff(options.retry?.initialMs ?? 100, options.retry?.maxMs ?? 30_000);
}

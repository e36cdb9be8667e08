import type {
  Batch,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  Producer,
  RetryOptions,
} from 'kafkajs';
import { decodeEvent } from '../codec.js';
import type { DedupeStore } from '../dedupe/dedupe-store.js';
import { Backoff } from './backoff.js';
import { DLQ_HEADERS } from './dlq-headers.js';
import type { EventEnvelope } from '../envelope.js';
import { EventValidationError } from '../errors.js';
import { silentLogger, type LoggerLike } from '../logger.js';
import { upcasters as defaultUpcasters, type UpcasterRegistry } from '../upcasters.js';
import { KeyPartitioner } from './key-partitioner.js';

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

type Step = 'done' | 'stopped';
type Attempt = { step: 'done' | 'stopped' | 'exhausted'; error?: unknown };
type Item = { consumed: ConsumedEvent; message: KafkaMessage };

/** What a dead letter says about why it is there (dlq-reason, dlq-error). */
interface DeadLetterCause {
  reason: string;
  error: string;
  attempts?: number;
}

const errorCode = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return (error as Error | null)?.name ?? 'Error';
};

/**
 * Consumes events in a group with at-least-once delivery: per-partition order, offsets committed only after
 * the handler succeeded, dedupe by event id, undecodable messages to the dead-letter topic (then onwards),
 * a failing handler retried with backoff without skipping, and a stop() that commits what finished.
 */
export class EventConsumer {
  private consumer: Consumer;
  private readonly dlqProducer: Producer;
  private restarting: Promise<void> | null = null;
  private readonly types: ReadonlySet<string> | null;
  /** Set by a crash kafkajs will not restart from; the restart loop runs while it is set. */
  private crashedSinceRestart = false;
  private readonly logger: LoggerLike;
  private readonly abort = new AbortController();
  private stopping = false;
  private started = false;
  private readonly counters: ConsumerStats = {
    handled: 0,
    duplicates: 0,
    deadLettered: 0,
    handlerErrors: 0,
    restarts: 0,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly options: EventConsumerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.types = options.types ? new Set(options.types) : null;
    this.consumer = this.newConsumer();
    this.dlqProducer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyPartitioner,
    });
  }

  get stats(): ConsumerStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('EventConsumer.start() was already called');
    this.started = true;
    await this.dlqProducer.connect();
    await this.runConsumer();
  }

  /** Stops fetching, lets the handlers in progress finish (backoff sleeps end at once), commits, leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    await this.restarting;
    await this.consumer.disconnect();
    await this.dlqProducer.disconnect();
  }

  private newConsumer(): Consumer {
    return this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
      ...(this.options.kafkaRetry && { retry: this.options.kafkaRetry }),
    });
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.logger.error(
        {
          err: { message: e.payload.error.message },
          restart: e.payload.restart,
          groupId: this.options.groupId,
        },
        'consumer crashed',
      );
      // kafkajs restarts itself only after errors it deems retriable; after any other it stays stopped, and the
      // process would go on without consuming. Nothing must end consumption but stop().
      if (e.payload.restart || this.stopping || this.consumer !== consumer) return;
      this.crashedSinceRestart = true;
      this.restarting ??= this.restartAfterCrash();
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? false,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** A fresh kafkajs consumer in the same group, retried with backoff until it runs (or stop() is called). */
  private async restartAfterCrash(): Promise<void> {
    const backoff = this.backoff();
    try {
      while (!this.stopping && this.crashedSinceRestart) {
        await backoff.wait(this.abort.signal);
        if (this.stopping) return;
        this.crashedSinceRestart = false;
        await this.consumer.disconnect().catch(() => undefined);
        this.consumer = this.newConsumer();
        try {
          await this.runConsumer();
          this.counters.restarts++;
          this.logger.warn({ groupId: this.options.groupId }, 'consumer restarted after a crash');
        } catch (error) {
          this.crashedSinceRestart = true;
          this.logger.error(
            { err: { message: (error as Error).message }, groupId: this.options.groupId },
            'consumer restart failed; trying again',
          );
        }
      }
    } finally {
      this.restarting = null;
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    const active = () => !this.stopping && payload.isRunning() && !payload.isStale();
    let finished: string | null = null;
    let committed: string | null = null;
    let lastCommitAt = Date.now();
    const commit = async () => {
      if (finished === null || finished === committed) return;
      const offset = finished;
      try {
        await payload.commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }],
            },
          ],
        });
        committed = offset;
        lastCommitAt = Date.now();
      } catch (error) {
        // Typically a rebalance: the next owner starts from the last commit and dedupe absorbs the overlap.
        this.logger.warn(
          { err: { message: (error as Error).message }, topic: batch.topic, partition: batch.partition },
          'offset commit failed',
        );
      }
    };
    const markDone = async (offset: string) => {
      payload.resolveOffset(offset);
      finished = offset;
      if (Date.now() - lastCommitAt >= (this.options.commitIntervalMs ?? 1000)) await commit();
    };

    const chunkLimit = this.options.handleBatch ? (this.options.maxHandleBatchSize ?? 500) : 1;
    let chunk: { consumed: ConsumedEvent; message: KafkaMessage }[] = [];
    // A record passed over while a chunk is pending is resolved with the chunk, never before it.
    let passedAfterChunk: string | null = null;
    const flush = async (): Promise<Step> => {
      const last = chunk.at(-1)?.message.offset;
      if (last === undefined) return 'done';
      const step = await this.handleChunk(batch, chunk, active, heartbeat);
      if (step === 'done') {
        await markDone(
          passedAfterChunk !== null && BigInt(passedAfterChunk) > BigInt(last) ? passedAfterChunk : last,
        );
      }
      chunk = [];
      passedAfterChunk = null;
      return step;
    };

    try {
      for (const message of batch.messages) {
        if (!active()) break;
        if (!this.wants(message)) {
          if (chunk.length === 0) await markDone(message.offset);
          else passedAfterChunk = message.offset;
          continue;
        }
        let event: EventEnvelope;
        try {
          event = decodeEvent(message, { upcasters: this.options.upcasters });
        } catch (error) {
          if (!(error instanceof EventValidationError)) throw error;
          if ((await flush()) === 'stopped') break;
          const cause = { reason: error.reason, error: error.message };
          if ((await this.deadLetter(batch, message, cause, active)) === 'stopped') break;
          await markDone(message.offset);
          continue;
        }
        chunk.push({
          consumed: { event, topic: batch.topic, partition: batch.partition, offset: message.offset },
          message,
        });
        if (chunk.length >= chunkLimit && (await flush()) === 'stopped') break;
        await heartbeat();
      }
      if (active()) await flush();
    } finally {
      await commit();
    }
  }

  private wants(message: KafkaMessage): boolean {
    if (!this.types) return true;
    const raw = message.headers?.ce_type;
    const type = Array.isArray(raw) ? raw[0]?.toString() : raw?.toString();
    // A record without a type is read, so that it reaches the dead-letter topic like any malformed one.
    if (!type) return true;
    return this.types.has(type) || (this.options.upcasters ?? defaultUpcasters).has(type);
  }

  /**
   * Dedupe, handler, dedupe marks; each stage retried on its own so a failing mark never re-runs the handler.
   * A handler that fails every attempt on a run of events is tried on each alone, so that only the poison one
   * goes to the dead-letter topic.
   */
  private async handleChunk(
    batch: Batch,
    chunk: Item[],
    active: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<Step> {
    const { dedupe } = this.options;
    let fresh: Item[] = chunk;
    const first = fresh[0];
    if (first === undefined) return 'done';
    if (dedupe) {
      const { step } = await this.withRetry(first.consumed, active, heartbeat, async () => {
        const seen = await Promise.all(fresh.map((c) => dedupe.has(c.consumed.event.id)));
        const kept = fresh.filter((_, i) => !seen[i]);
        this.counters.duplicates += fresh.length - kept.length;
        fresh = kept;
      });
      if (step !== 'done') return 'stopped';
    }
    const head = fresh[0];
    if (head === undefined) return 'done';
    const maxAttempts = this.options.maxHandlerAttempts ?? Number.POSITIVE_INFINITY;
    const handle = (items: Item[]) => async () => {
      const consumed = items.map((item) => item.consumed);
      if (this.options.handleBatch) await this.options.handleBatch(consumed);
      else if (consumed[0]) await this.options.handler(consumed[0]);
    };
    const handled = await this.withRetry(head.consumed, active, heartbeat, handle(fresh), maxAttempts);
    if (handled.step === 'stopped') return 'stopped';
    let done = fresh;
    if (handled.step === 'exhausted') {
      done = [];
      for (const item of fresh) {
        const alone =
          fresh.length === 1
            ? handled
            : await this.withRetry(item.consumed, active, heartbeat, handle([item]), maxAttempts);
        if (alone.step === 'stopped') return 'stopped';
        if (alone.step === 'done') {
          done.push(item);
          continue;
        }
        const cause = { reason: 'handler_failed', error: errorCode(alone.error), attempts: maxAttempts };
        if ((await this.deadLetter(batch, item.message, cause, active)) === 'stopped') return 'stopped';
      }
    }
    this.counters.handled += done.length;
    if (dedupe && done[0]) {
      // The handler's effect is done: marking must not be abandoned on stop, or the next owner repeats it.
      const marked = await this.withRetry(
        done[0].consumed,
        () => true,
        heartbeat,
        async () => {
          await Promise.all(done.map((c) => dedupe.add(c.consumed.event.id)));
        },
        5,
      );
      if (marked.step !== 'done')
        this.logger.warn(
          { eventId: done[0].consumed.event.id },
          'could not record handled event ids; they may be redelivered',
        );
    }
    return 'done';
  }

  private backoff(): Backoff {
    return new Backoff(this.options.retry?.initialMs ?? 100, this.options.retry?.maxMs ?? 30_000);
  }

  private async withRetry(
    first: ConsumedEvent,
    active: () => boolean,
    heartbeat: () => Promise<void>,
    fn: () => Promise<void>,
    maxAttempts = Number.POSITIVE_INFINITY,
  ): Promise<Attempt> {
    const backoff = this.backoff();
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        await fn();
        return { step: 'done' };
      } catch (error) {
        failure = error;
        this.counters.handlerErrors++;
        this.options.onHandlerError?.(error, first);
        this.logger.warn(
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
      }
      if (!active()) return { step: 'stopped' };
      if (attempt >= maxAttempts) return { step: 'exhausted', error: failure };
      if (!(await backoff.wait(this.abort.signal)) || !active()) return { step: 'stopped' };
      try {
        await heartbeat();
      } catch {
        return { step: 'stopped' }; // rebalancing: the partition may be someone else's now
      }
    }
  }

  private async deadLetter(
    batch: Batch,
    message: KafkaMessage,
    cause: DeadLetterCause,
    active: () => boolean,
  ): Promise<Step> {
    const headers: IHeaders = {
      ...message.headers,
      [DLQ_HEADERS.reason]: cause.reason,
      [DLQ_HEADERS.error]: cause.error.slice(0, 512),
      ...(cause.attempts !== undefined && { [DLQ_HEADERS.attempts]: String(cause.attempts) }),
      [DLQ_HEADERS.sourceTopic]: batch.topic,
      [DLQ_HEADERS.sourcePartition]: String(batch.partition),
      [DLQ_HEADERS.sourceOffset]: message.offset,
    };
    const backoff = this.backoff();
    for (;;) {
      try {
        await this.dlqProducer.send({
          topic: this.options.deadLetterTopic,
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
        this.counters.deadLettered++;
        this.logger.warn(
          { reason: cause.reason, topic: batch.topic, partition: batch.partition, offset: message.offset },
          'message dead-lettered',
        );
        return 'done';
      } catch (sendError) {
        this.logger.error(
          { err: { message: (sendError as Error).message }, topic: this.options.deadLetterTopic },
          'dead-letter publish failed; retrying',
        );
      }
      if (!active() || !(await backoff.wait(this.abort.signal))) return 'stopped';
    }
  }
}

import type { Consumer, Kafka } from 'kafkajs';
import { silentLogger } from '../logger.js';
import { BatchHandler } from './consumer/batch-handler.js';
import { ChunkHandler } from './consumer/chunk-handler.js';
import { CrashRestarter } from './consumer/crash-restarter.js';
import { DeadLetterPublisher } from './consumer/dead-letter.js';
import type { ConsumerContext, ConsumerStats, EventConsumerOptions } from './consumer/options.js';

export type { ConsumedEvent, ConsumerStats, EventConsumerOptions } from './consumer/options.js';

/**
 * Consumes events in a group with at-least-once delivery: per-partition order, offsets committed only after
 * the handler succeeded, dedupe by event id, undecodable messages to the dead-letter topic (then onwards),
 * a failing handler retried with backoff without skipping, and a stop() that commits what finished.
 * The stages live in `consumer/`: the batch loop, the chunk stages, the offsets, the dead letters, the
 * restart after a crash and the one backoff loop they all use.
 */
export class EventConsumer {
  private consumer: Consumer;
  private readonly context: ConsumerContext;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly batches: BatchHandler;
  private readonly restarter: CrashRestarter;
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
    this.context = {
      options,
      logger: options.logger ?? silentLogger,
      counters: this.counters,
      signal: this.abort.signal,
      isStopping: () => this.stopping,
    };
    this.consumer = this.newConsumer();
    this.deadLetters = new DeadLetterPublisher(kafka, this.context);
    this.batches = new BatchHandler(
      this.context,
      new ChunkHandler(this.context, this.deadLetters),
      this.deadLetters,
    );
    this.restarter = new CrashRestarter(this.context, async () => {
      await this.consumer.disconnect().catch(() => undefined);
      this.consumer = this.newConsumer();
      await this.runConsumer();
    });
  }

  get stats(): ConsumerStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('EventConsumer.start() was already called');
    this.started = true;
    await this.deadLetters.connect();
    await this.runConsumer();
  }

  /** Stops fetching, lets the handlers in progress finish (backoff sleeps end at once), commits, leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    await this.restarter.settled();
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
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
      this.context.logger.error(
        {
          err: { message: e.payload.error.message },
          restart: e.payload.restart,
          groupId: this.options.groupId,
        },
        'consumer crashed',
      );
      if (e.payload.restart || this.stopping || this.consumer !== consumer) return;
      this.restarter.crashed();
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
      eachBatch: (payload) => this.batches.handle(payload),
    });
  }
}

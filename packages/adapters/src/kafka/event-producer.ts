import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import {
  encodeEvent,
  type EncodedEvent,
  type EventEnvelope,
  TOPIC_BASE_NAMES,
  topicNames,
  type TopicKey,
} from '@verified-onboard/events';
import { PublishError, PublishUnacknowledgedError, PublishWithdrawnError } from '../errors.js';
import { silentLogger, type LoggerLike } from '../logger.js';
import { KeyPartitioner } from './key-partitioner.js';

export interface EventProducerOptions {
  /** How long a publish waits for others to share its request (default 5 ms). */
  lingerMs?: number;
  /** Messages per request at most (default 500); reaching it sends at once. */
  maxBatchSize?: number;
  /** Prepended to catalogue topics given by key ('enrollmentEvents') or by base name. */
  topicPrefix?: string;
  /**
   * Retries of a request before its publishers are rejected (default 5). kafkajs would retry an idempotent
   * producer forever; a bounded number lets the api answer 503 instead of hanging, and deterministic event
   * ids make the caller's retry harmless downstream.
   */
  retries?: number;
  logger?: LoggerLike;
}

interface Pending {
  topic: string;
  messages: EncodedEvent[];
  resolve: () => void;
  reject: (error: Error) => void;
  /** Stops listening to the caller's signal: called when the publish is handed to kafkajs. */
  handOver: () => void;
}

export interface PublishOptions {
  /**
   * Aborting it withdraws the publish if it is still queued (it rejects with PublishWithdrawnError and is never
   * sent); a publish already handed to kafkajs cannot be recalled and settles with the broker's answer.
   */
  signal?: AbortSignal;
}

export interface ProducerStats {
  /** Requests sent (each one `sendBatch`). */
  requests: number;
  messages: number;
  failedRequests: number;
  /** Messages handed to kafkajs and not answered yet (they can no longer be withdrawn). */
  inFlight: number;
}

/**
 * Publishes events with the CloudEvents binary binding. Concurrent publishes within `lingerMs` share one
 * request; each publish resolves only after the broker acknowledged its events (acks = all, idempotent
 * producer) and rejects with PublishError otherwise: no false success. A caller that stops waiting withdraws its
 * publish through `signal` while it is queued, so a publish the caller reported as failed is never sent later.
 */
export class EventProducer {
  private readonly producer: Producer;
  private readonly lingerMs: number;
  private readonly maxBatchSize: number;
  private readonly topicPrefix: string;
  private readonly logger: LoggerLike;
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private connected = false;
  private closed = false;
  private readonly counters: ProducerStats = {
    requests: 0,
    messages: 0,
    failedRequests: 0,
    inFlight: 0,
  };

  constructor(kafka: Kafka, options: EventProducerOptions = {}) {
    this.lingerMs = options.lingerMs ?? 5;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.topicPrefix = options.topicPrefix ?? '';
    this.logger = options.logger ?? silentLogger;
    this.producer = kafka.producer({
      idempotent: true,
      // kafkajs keeps per-partition sequence numbers right only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyPartitioner,
      retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5000 },
    });
  }

  get stats(): ProducerStats {
    return { ...this.counters };
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (error) {
      throw new PublishError(`could not connect the producer: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The full topic name: catalogue keys and base names get the prefix, anything else is used as given. */
  resolveTopic(topic: string): string {
    const names = topicNames(this.topicPrefix);
    if (topic in names) return names[topic as TopicKey];
    const baseKey = (Object.keys(TOPIC_BASE_NAMES) as TopicKey[]).find((k) => TOPIC_BASE_NAMES[k] === topic);
    return baseKey ? names[baseKey] : topic;
  }

  publish(topic: string, events: readonly EventEnvelope[], options: PublishOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new PublishWithdrawnError('withdrawn before it was queued'));
    if (this.closed) return Promise.reject(new PublishError('the producer is disconnected'));
    if (!this.connected) return Promise.reject(new PublishError('the producer is not connected'));
    if (events.length === 0) return Promise.resolve();
    let messages: EncodedEvent[];
    try {
      messages = events.map(encodeEvent);
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new PublishError('an event could not be encoded', { cause: error }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const withdraw = () => {
        const index = this.queue.indexOf(pending);
        if (index === -1) return;
        this.queue.splice(index, 1);
        this.queued -= messages.length;
        reject(new PublishWithdrawnError(`withdrawn before it was sent: ${messages.length} message(s)`));
      };
      const pending: Pending = {
        topic: this.resolveTopic(topic),
        messages,
        resolve,
        reject,
        handOver: () => signal?.removeEventListener('abort', withdraw),
      };
      signal?.addEventListener('abort', withdraw, { once: true });
      this.queue.push(pending);
      this.queued += messages.length;
      this.schedule();
    });
  }

  private schedule(): void {
    // While a request is in flight, publishes accumulate; the sender loop takes them when it returns.
    if (this.sending) return;
    if (this.queued >= this.maxBatchSize) {
      this.startSending();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.startSending(), this.lingerMs);
    }
  }

  private startSending(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.sending || this.queue.length === 0) return;
    this.sending = this.sendLoop().finally(() => {
      this.sending = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async sendLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.take();
      const byTopic = new Map<string, TopicMessages>();
      for (const p of batch) {
        let tm = byTopic.get(p.topic);
        if (!tm) byTopic.set(p.topic, (tm = { topic: p.topic, messages: [] }));
        tm.messages.push(...p.messages);
      }
      const count = batch.reduce((n, p) => n + p.messages.length, 0);
      this.counters.inFlight = count;
      try {
        await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
        this.counters.requests++;
        this.counters.messages += count;
        for (const p of batch) p.resolve();
      } catch (error) {
        this.counters.failedRequests++;
        this.logger.warn({ err: { message: (error as Error).message }, messages: count }, 'publish failed');
        const failure = new PublishUnacknowledgedError(
          `Kafka did not acknowledge ${count} message(s): ${(error as Error).message}`,
          { cause: error },
        );
        for (const p of batch) p.reject(failure);
      } finally {
        this.counters.inFlight = 0;
      }
      // Publishes that arrived during the request have waited at least as long as the linger: send them now.
    }
  }

  /** Whole publishes, in arrival order, up to maxBatchSize messages (a larger single publish goes alone). */
  private take(): Pending[] {
    const out: Pending[] = [];
    let n = 0;
    for (let next = this.queue[0]; next !== undefined; next = this.queue[0]) {
      if (out.length > 0 && n + next.messages.length > this.maxBatchSize) break;
      this.queue.shift();
      next.handOver();
      out.push(next);
      n += next.messages.length;
    }
    this.queued -= n;
    return out;
  }

  /** Sends what is queued, then disconnects. Publishes after this reject. */
  async disconnect(): Promise<void> {
    this.closed = true;
    while (this.sending || this.queue.length > 0) {
      if (!this.sending) this.startSending();
      await this.sending;
    }
    this.connected = false;
    await this.producer.disconnect();
  }
}

import { type EventEnvelope, type TopicKey } from '@verified-onboard/events';
import {
  PublishUnacknowledgedError,
  PublishWithdrawnError,
  type EventProducer,
} from '@verified-onboard/adapters';
import type { FastifyBaseLogger } from 'fastify';
import { BadGatewayError, ServiceUnavailableError } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';

/** The catalogue's topics the api writes to (the metric's `topic` label too). */
export type PublishedTopic = Extract<TopicKey, 'enrollmentEvents' | 'hints' | 'opsAudit'>;

/** 503: nothing was handed to Kafka (not connected, or withdrawn from the queue), so nothing was accepted. */
export class PublishFailedError extends ServiceUnavailableError {
  constructor(reason: string) {
    super(
      'kafka_unavailable',
      `The event log did not acknowledge the write (${reason}); nothing was accepted, retry later.`,
      5,
    );
  }
}

/** 502: the write was sent and never acknowledged; Kafka may have accepted it. */
export class PublishOutcomeUnknownError extends BadGatewayError {
  constructor(reason: string) {
    super(
      'publish_unacknowledged',
      `The event log did not acknowledge the write (${reason}); it may have been accepted: retry with the same Idempotency-Key.`,
    );
  }
}

/**
 * The only path from the api to Kafka. A request is answered 202 only after `publish` resolved (broker ack).
 * After `timeoutMs` a publish still waiting in the producer's queue is withdrawn (never sent later) and answers
 * PublishFailedError (503: nothing was accepted). One already sent cannot be recalled: it is awaited until twice
 * `timeoutMs`, then answers 202 if acknowledged, else PublishOutcomeUnknownError (502: it may have been accepted).
 * Connecting is lazy so the api starts (and answers /healthz and reads) while Kafka is still coming up.
 */
export class EventPublisher {
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly producer: EventProducer,
    private readonly topics: Record<PublishedTopic, string>,
    private readonly metrics: ApiMetrics,
    private readonly timeoutMs: number,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async publish(kind: PublishedTopic, events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const started = process.hrtime.bigint();
    const withdraw = new AbortController();
    let handedOver = false;
    const timers: NodeJS.Timeout[] = [];
    const deadlines = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          withdraw.abort();
          // Still connecting: nothing was queued, so nothing can be sent later.
          if (!handedOver) reject(new PublishFailedError(`not connected within ${this.timeoutMs} ms`));
        }, this.timeoutMs),
        setTimeout(
          () => reject(new PublishOutcomeUnknownError(`no acknowledgement within ${2 * this.timeoutMs} ms`)),
          2 * this.timeoutMs,
        ),
      );
    });
    const attempt = this.connect().then(() => {
      if (withdraw.signal.aborted) throw new PublishWithdrawnError('connected after the deadline');
      handedOver = true;
      return this.producer.publish(this.topics[kind], events, { signal: withdraw.signal });
    });
    try {
      await Promise.race([attempt, deadlines]);
      this.observe(kind, 'ok', started);
    } catch (error) {
      this.observe(kind, 'error', started);
      throw this.toApiError(error, kind, events.length);
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  }

  private toApiError(error: unknown, kind: PublishedTopic, count: number): Error {
    if (error instanceof PublishFailedError || error instanceof PublishOutcomeUnknownError) return error;
    if (error instanceof PublishWithdrawnError) {
      return new PublishFailedError(
        `no acknowledgement within ${this.timeoutMs} ms; the write was withdrawn`,
      );
    }
    this.logger.warn({ err: error, topic: this.topics[kind], count }, 'publish failed');
    const reason = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
    if (error instanceof PublishUnacknowledgedError) return new PublishOutcomeUnknownError(reason);
    return new PublishFailedError(reason);
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    if (connecting) {
      await connecting.catch(() => undefined);
      await this.producer.disconnect();
    }
  }

  private connect(): Promise<void> {
    if (!this.connecting) {
      const attempt = this.producer.connect();
      this.connecting = attempt;
      // A failed connect is forgotten so the next request tries again instead of failing forever.
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = null;
      });
    }
    return this.connecting;
  }

  private observe(kind: PublishedTopic, outcome: 'ok' | 'error', started: bigint) {
    this.metrics.publishLatency.observe(
      { topic: kind, outcome },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  }
}

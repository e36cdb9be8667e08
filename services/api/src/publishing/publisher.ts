import type { EventEnvelope, EventProducer } from '@verified-onboard/events';
import type { FastifyBaseLogger } from 'fastify';
import { ServiceUnavailableError } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';

export type TopicKind = 'enrollment' | 'hints' | 'audit';

export class PublishFailedError extends ServiceUnavailableError {
  constructor(reason: string) {
    super(
      'kafka_unavailable',
      `The event log did not acknowledge the write (${reason}); nothing was accepted, retry later.`,
      5,
    );
  }
}

/**
 * The only path from the api to Kafka. A request is answered 202 only after `publish` resolved (broker ack);
 * a broker that is down or slow turns into PublishFailedError (503) within `timeoutMs` instead of a hung request.
 * Connecting is lazy so the api starts (and answers /healthz and reads) while Kafka is still coming up.
 */
export class EventPublisher {
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly producer: EventProducer,
    private readonly topics: Record<TopicKind, string>,
    private readonly metrics: ApiMetrics,
    private readonly timeoutMs: number,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async publish(kind: TopicKind, events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const started = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PublishFailedError(`no acknowledgement within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.connect().then(() => this.producer.publish(this.topics[kind], events)),
        timeout,
      ]);
      this.observe(kind, 'ok', started);
    } catch (error) {
      this.observe(kind, 'error', started);
      if (error instanceof PublishFailedError) throw error;
      this.logger.warn({ err: error, topic: this.topics[kind], count: events.length }, 'publish failed');
      throw new PublishFailedError((error as { code?: string }).code ?? (error as Error).name ?? 'error');
    } finally {
      clearTimeout(timer);
    }
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

  private observe(kind: TopicKind, outcome: 'ok' | 'error', started: bigint) {
    this.metrics.publishLatency.observe(
      { topic: kind, outcome },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  }
}

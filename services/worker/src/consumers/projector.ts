import { isEnrollmentEventType, topicNames, type EnrollmentEvent } from '@verified-onboard/events';
import { EventConsumer, ReadModel, type ConsumedEvent, type Kafka } from '@verified-onboard/adapters';
import type { Logger } from 'pino';
import type { WorkerMetrics } from '../metrics.js';

export { ReadModel };

export interface ProjectionStats {
  applied: number;
  duplicate: number;
  conflict: number;
  /** Held for a sequence gap; applied once the earlier event arrives (see ReadModel.applyEvent). */
  deferred: number;
  rejected: number;
}

/**
 * Applies enrollment events to the read model (state, event list, batch counts), one event at a time
 * in partition order. ReadModel.applyEvent is idempotent by event id and version, so redelivery after a
 * rebalance or crash changes nothing. An event the state machine refuses is counted and skipped: one
 * corrupt stream must not stall every enrollment sharing its partition.
 */
export class ProjectionApplier {
  readonly stats: ProjectionStats = { applied: 0, duplicate: 0, conflict: 0, deferred: 0, rejected: 0 };

  constructor(
    private readonly readModel: Pick<ReadModel, 'applyEvent'>,
    private readonly logger: Logger,
    private readonly metrics?: WorkerMetrics,
  ) {}

  /**
   * A run of one partition's events: each enrollment's events in order, different enrollments side by side
   * (they touch different read-model keys; batch counters are atomic increments). A partition carries
   * thousands of enrollments, so one-at-a-time application left the read model seconds behind the log.
   */
  async applyAll(events: ConsumedEvent[], parallel = 32): Promise<void> {
    const bySubject = new Map<string, ConsumedEvent[]>();
    for (const consumed of events) {
      const list = bySubject.get(consumed.event.subject);
      if (list) list.push(consumed);
      else bySubject.set(consumed.event.subject, [consumed]);
    }
    // The lanes share one iterator: each takes the next enrollment's stream when it is free.
    const streams = bySubject.values();
    const lane = async () => {
      for (const stream of streams) for (const consumed of stream) await this.apply(consumed);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, bySubject.size) }, lane));
  }

  async apply({ event, topic, partition, offset }: ConsumedEvent): Promise<void> {
    if (!isEnrollmentEventType(event.type)) return;
    let result: keyof ProjectionStats;
    try {
      result = await this.readModel.applyEvent(event as EnrollmentEvent);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'invalid_transition' && code !== 'sequence_conflict') throw error; // Redis trouble: retry the partition
      result = 'rejected';
      this.logger.error(
        {
          enrollmentId: event.subject,
          correlationId: event.correlationid,
          eventId: event.id,
          type: event.type,
          code,
          topic,
          partition,
          offset,
        },
        'projection refused an event',
      );
    }
    this.stats[result]++;
    this.metrics?.eventsConsumed.inc({ consumer: 'projector', type: event.type, result });
  }
}

export interface ProjectorOptions {
  kafka: Kafka;
  groupId: string;
  topicPrefix: string;
  readModel: Pick<ReadModel, 'applyEvent'>;
  logger: Logger;
  metrics?: WorkerMetrics;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

/** The live projector: its own consumer group, so it reads every event independently of the pipeline. */
export class Projector {
  private readonly consumer: EventConsumer;
  readonly applier: ProjectionApplier;

  constructor(options: ProjectorOptions) {
    const topics = topicNames(options.topicPrefix);
    this.applier = new ProjectionApplier(options.readModel, options.logger, options.metrics);
    this.consumer = new EventConsumer(options.kafka, {
      groupId: options.groupId,
      topics: [topics.enrollmentEvents],
      fromBeginning: options.fromBeginning ?? true,
      deadLetterTopic: topics.deadLetter,
      ...(options.sessionTimeoutMs !== undefined && {
        sessionTimeoutMs: options.sessionTimeoutMs,
        heartbeatIntervalMs: Math.floor(options.sessionTimeoutMs / 10),
      }),
      handler: (event) => this.applier.apply(event),
      handleBatch: (events) => this.applier.applyAll(events),
      // Every partition at once: order only matters within an enrollment, which is within a partition.
      partitionsConsumedConcurrently: 12,
      logger: options.logger,
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}

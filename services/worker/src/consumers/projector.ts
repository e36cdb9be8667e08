import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isEnrollmentEventType, topicNames, type EnrollmentEvent } from '@verified-onboard/events';
import {
  createKafka,
  createRedis,
  EventConsumer,
  ReadModel,
  type ConsumedEvent,
  type Kafka,
} from '@verified-onboard/adapters';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import type { WorkerMetrics } from '../metrics.js';

export { ReadModel };

export interface ProjectionStats {
  applied: number;
  duplicate: number;
  stale: number;
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
  readonly stats: ProjectionStats = { applied: 0, duplicate: 0, stale: 0, deferred: 0, rejected: 0 };

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

export interface RebuildOptions {
  /** Redis key prefix of the keyspace to build (e.g. a fresh `vo-rebuild` to compare, then swap). */
  prefix: string;
  /** Default true: replay the whole log. false starts at the end (only useful to attach a fresh keyspace). */
  fromBeginning?: boolean;
  logger: Logger;
  /** Gives up (and throws) when not caught up by then. Default 10 minutes. */
  timeoutMs?: number;
}

export class RebuildTimeoutError extends Error {
  readonly code = 'rebuild_timeout';
}

/**
 * Rebuilds the read model from the event log: consumes with a fresh consumer group into `prefix` until it
 * has caught up with the high-water marks taken at the start, then leaves and deletes the group.
 */
export async function rebuildProjection(
  config: WorkerConfig,
  options: RebuildOptions,
): Promise<ProjectionStats> {
  const { logger } = options;
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    security: config.kafka.security,
    clientId: `${config.kafka.clientId}-rebuild`,
    logger,
  });
  const topic = topicNames(config.kafka.topicPrefix).enrollmentEvents;
  const groupId = `${config.kafka.projectorGroup}-rebuild-${randomUUID()}`;
  const redis = createRedis(config.redisUrl, { lazyConnect: false }, { caFile: config.redisTlsCaFile });
  const admin = kafka.admin();
  await admin.connect();
  const seen = new Map<number, bigint>();
  try {
    const high = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(topic)) high.set(p.partition, BigInt(p.high));
    const readModel = new ReadModel(redis, { prefix: options.prefix });
    const applier = new ProjectionApplier(readModel, logger);
    const track = (events: ConsumedEvent[]) => {
      for (const e of events) {
        const offset = BigInt(e.offset);
        if ((seen.get(e.partition) ?? -1n) < offset) seen.set(e.partition, offset);
      }
    };
    const consumer = new EventConsumer(kafka, {
      groupId,
      topics: [topic],
      fromBeginning: options.fromBeginning ?? true,
      deadLetterTopic: topicNames(config.kafka.topicPrefix).deadLetter,
      handler: async (event) => {
        await applier.apply(event);
        track([event]);
      },
      handleBatch: async (events) => {
        await applier.applyAll(events);
        track(events);
      },
      logger,
    });
    await consumer.start();
    try {
      const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
      for (;;) {
        // Messages that never reach the handler (dead-lettered) still advance the group's commits.
        const committed = new Map<number, bigint>();
        if (options.fromBeginning === false) break;
        for (const t of await admin.fetchOffsets({ groupId, topics: [topic] })) {
          for (const p of t.partitions) if (p.offset !== '-1') committed.set(p.partition, BigInt(p.offset));
        }
        const caughtUp = [...high].every(([partition, hw]) => {
          const next = (seen.get(partition) ?? -1n) + 1n;
          const done = committed.get(partition) ?? 0n;
          return hw === 0n || next >= hw || done >= hw;
        });
        if (caughtUp) break;
        if (Date.now() > deadline)
          throw new RebuildTimeoutError(
            `projection rebuild not caught up within ${options.timeoutMs ?? 600_000} ms`,
          );
        await sleep(200);
      }
    } finally {
      await consumer.stop();
    }
    await admin
      .deleteGroups([groupId])
      .catch((error: Error) =>
        logger.warn({ err: { message: error.message }, groupId }, 'could not delete the rebuild group'),
      );
    logger.info({ ...applier.stats, prefix: options.prefix }, 'projection rebuilt');
    return applier.stats;
  } finally {
    await admin.disconnect();
    redis.disconnect();
  }
}

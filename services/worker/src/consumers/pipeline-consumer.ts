import {
  EVENT_TYPES,
  evolve,
  foldEnrollment,
  fromRecord,
  nextWork,
  type EnrollmentState,
  type EventEnvelope,
  type TopicNames,
} from '@verified-onboard/events';
import { EventConsumer, type ConsumedEvent, type Kafka } from '@verified-onboard/adapters';
import type { Logger } from 'pino';
import { MissingContextError } from '../errors.js';
import type { HintBook } from '../pipeline/hint-book.js';
import type { RecentRequests } from '../pipeline/recent-requests.js';
import { stepJobData, type Step, type StepJobData } from '../pipeline/job-data.js';
import type { WorkerMetrics } from '../metrics.js';
import type { StepsQueue } from '../queues/steps-queue.js';

/** The slice of ReadModel the retry path and the old-event horizon need (the enrollment's request and progress). */
export interface StateSource {
  get(enrollmentId: string): Promise<EnrollmentState | null>;
}

export interface PipelineConsumerOptions {
  kafka: Kafka;
  groupId: string;
  sessionTimeoutMs?: number;
  topics: TopicNames;
  queue: StepsQueue;
  hints: HintBook;
  reader: StateSource;
  /** Where the requests of the jobs enqueued here are kept for this process's steps (jobs carry ids only). */
  recentRequests?: RecentRequests;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Attempts per event before it is dead-lettered (WORKER_EVENT_MAX_ATTEMPTS); default 10. */
  maxAttempts?: number;
}

/** The events that make the pipeline consumer act (see handleOther). */
export const PIPELINE_EVENT_TYPES = [
  EVENT_TYPES.requested,
  EVENT_TYPES.retried,
  EVENT_TYPES.webhookReceived,
  EVENT_TYPES.captureFinished,
  EVENT_TYPES.redriveRequested,
] as const;

/**
 * Turns events into jobs (one consumer group shared by every worker process): `requested` enqueues the
 * mode's first step, `retried` re-enqueues the step the core resumes at under a new generation, hints promote the
 * delayed poll. Every action is idempotent (deterministic job ids, hint markers), so redelivery is harmless
 * and offsets are committed only after the jobs exist.
 */
export class PipelineConsumer {
  private readonly consumer: EventConsumer;

  constructor(private readonly options: PipelineConsumerOptions) {
    this.consumer = new EventConsumer(options.kafka, {
      groupId: options.groupId,
      topics: [options.topics.enrollmentEvents, options.topics.hints],
      // A new group must see enrollments requested before the first worker ever started.
      fromBeginning: true,
      // Most events on the enrollment topic are the worker's own: pass them over without decoding.
      types: PIPELINE_EVENT_TYPES,
      deadLetterTopic: options.topics.deadLetter,
      // Every action here is idempotent and order-free across enrollments, so a poison event (e.g. a retry of
      // an enrollment the read model lost) is set aside for ops (GET /v1/ops/dead-letters) instead of
      // blocking every enrollment behind it on its partition.
      maxHandlerAttempts: options.maxAttempts ?? 10,
      ...(options.sessionTimeoutMs !== undefined && {
        sessionTimeoutMs: options.sessionTimeoutMs,
        heartbeatIntervalMs: Math.floor(options.sessionTimeoutMs / 10),
      }),
      handler: (event) => this.handleBatch([event]),
      handleBatch: (events) => this.handleBatch(events),
      logger: options.logger,
      onHandlerError: () =>
        options.metrics.eventsConsumed.inc({ consumer: 'pipeline', type: 'any', result: 'error' }),
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Requested events of a run go to Redis in one round trip (a batch import is a long run of them). */
  async handleBatch(events: ConsumedEvent[]): Promise<void> {
    const requested = events.flatMap(({ event }) => (event.type === EVENT_TYPES.requested ? [event] : []));
    const ran = new Set(
      (await Promise.all(requested.map(async (e) => ((await this.alreadyRan(e)) ? e.id : null)))).filter(
        (id) => id !== null,
      ),
    );
    await this.options.queue.enqueueMany(
      requested.filter((e) => !ran.has(e.id)).map((e) => this.startJob(e)),
    );
    for (const { event } of events) {
      const result =
        event.type === EVENT_TYPES.requested
          ? ran.has(event.id)
            ? 'already_ran'
            : 'ok'
          : await this.handleOther(event);
      if (result === 'already_ran') {
        this.options.logger.debug(
          { enrollmentId: event.subject, type: event.type },
          'read again after it ran: skipped',
        );
      }
      this.options.metrics.eventsConsumed.inc({ consumer: 'pipeline', type: event.type, result });
    }
  }

  /**
   * The old-event horizon: the records that make a re-run step harmless (done markers, operation records,
   * intents) expire after OWNERSHIP_TTL_SEC, the log does not, and this group reads it from the beginning.
   * The read model keeps every enrollment without expiry, so an event projected after this `requested`
   * proves its first step was enqueued and ran: beginning again would start a second upstream operation.
   * An enrollment the projector has not reached yet (null) or that shows only its request is new: it begins.
   */
  private async alreadyRan(event: EventEnvelope<typeof EVENT_TYPES.requested>): Promise<boolean> {
    const state = await this.options.reader.get(event.subject);
    return state !== null && state.version > event.sequence;
  }

  /** The first job of an enrollment, as the domain core derives it from its request (import skips begin). */
  private startJob(event: EventEnvelope<typeof EVENT_TYPES.requested>): { step: Step; data: StepJobData } {
    const request = event.data;
    const work = nextWork(foldEnrollment([event]));
    if (work === null)
      throw new MissingContextError(`enrollment ${event.subject}: a request with no first step`);
    this.options.recentRequests?.remember(event.subject, request);
    return {
      step: work.step,
      data: stepJobData(request, {
        enrollmentId: event.subject,
        generation: work.generation,
        nextSequence: work.nextSequence,
        correlationId: event.correlationid,
        causationId: event.id,
        admission: work.admission,
      }),
    };
  }

  private async handleOther(event: EventEnvelope): Promise<'ok' | 'already_ran'> {
    const { hints, logger } = this.options;
    switch (event.type) {
      case EVENT_TYPES.retried:
        return this.retry(event);
      case EVENT_TYPES.webhookReceived: {
        if (!event.data.operationId) return 'ok'; // a transaction webhook: not ours to follow
        const result = await hints.hintOperation(event.data.operationId, event.data.receivedAt);
        logger.debug({ operationId: event.data.operationId, result }, 'webhook hint');
        return 'ok';
      }
      case EVENT_TYPES.redriveRequested:
        await this.redrive(event);
        return 'ok';
      case EVENT_TYPES.captureFinished: {
        const result = await hints.hintEnrollment(event.data.enrollmentId, event.data.receivedAt);
        logger.debug({ enrollmentId: event.data.enrollmentId, result }, 'capture-finished hint');
        return 'ok';
      }
      default:
        return 'ok'; // the worker's own events: nothing to schedule
    }
  }

  /**
   * Ops replay: the api read the log, found the enrollment unfinished, and names the step that comes next
   * with the generation and sequence the log implies, so the re-driven job has the id (and emits the event
   * ids) the original would have: nothing in progress is duplicated and nothing finished is repeated.
   */
  private async redrive(event: EventEnvelope<typeof EVENT_TYPES.redriveRequested>): Promise<void> {
    const d = event.data;
    this.options.recentRequests?.remember(d.enrollmentId, d.request);
    const data = stepJobData(d.request, {
      enrollmentId: d.enrollmentId,
      generation: d.generation,
      nextSequence: d.nextSequence,
      correlationId: event.correlationid,
      causationId: event.causationid,
      admission: d.nextSequence === 2 ? 'new' : 'continuing',
    });
    const result = await this.options.queue.redrive(d.step, data);
    this.options.logger.info(
      {
        enrollmentId: d.enrollmentId,
        correlationId: event.correlationid,
        step: d.step,
        generation: d.generation,
        result,
      },
      'redrive requested',
    );
  }

  /**
   * Ops retry: the domain core says which step runs again (the failed one; steps that succeeded are not
   * repeated) and from where: generation = the `retried` event's sequence (unique per retry, deterministic on
   * redelivery), the stream position after it. A retry the read model shows went on (an event after it) ran
   * already: re-read past OWNERSHIP_TTL_SEC it would repeat its step upstream (the old-event horizon).
   */
  private async retry(event: EventEnvelope<typeof EVENT_TYPES.retried>): Promise<'ok' | 'already_ran'> {
    const record = await this.options.reader.get(event.subject);
    // The api emits `retried` after reading the failure from the read model, so it shows up shortly.
    if (!record || record.version < event.sequence - 1)
      throw new MissingContextError(
        `enrollment ${event.subject} is not in the read model up to its failure yet; retry deferred`,
      );
    if (record.version > event.sequence) return 'already_ran';
    // Folded already (the projector was first) or folded here; either way the core checks the enrollment
    // had failed (InvalidTransitionError otherwise: a poison event). The record keeps no generation: the
    // retry's own sequence is it.
    const current = fromRecord(record);
    const resumed = record.version === event.sequence ? current : evolve(current, event);
    const work = nextWork({
      state: { status: resumed.status, mode: resumed.mode, generation: event.sequence },
      version: event.sequence,
    });
    if (work === null)
      throw new MissingContextError(`enrollment ${event.subject} (${resumed.status}) has no step to retry`);
    this.options.recentRequests?.remember(event.subject, record.request);
    const data = stepJobData(record.request, {
      enrollmentId: event.subject,
      generation: work.generation,
      nextSequence: work.nextSequence,
      correlationId: event.correlationid,
      causationId: event.id,
      admission: work.admission,
    });
    await this.options.queue.enqueue(work.step, data);
    this.options.logger.info(
      {
        enrollmentId: event.subject,
        correlationId: event.correlationid,
        step: work.step,
        generation: data.generation,
      },
      'retry enqueued',
    );
    return 'ok';
  }
}

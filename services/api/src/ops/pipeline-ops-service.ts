import {
  createEvent,
  EVENT_TYPES,
  fold,
  nextStep,
  ProjectionRebuild,
  RebuildInProgressError,
  readEnrollmentStreams,
  type EnrollmentEvent,
  type EnrollmentState,
  type EventEnvelope,
  type Kafka,
  type RebuildStatus,
} from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadModelSource } from '../enrollments/read-model-source.js';
import { EVENT_SOURCE } from '../enrollments/requested-event.js';
import { ConflictError } from '../errors.js';
import type { EventPublisher } from '../publishing/publisher.js';
import {
  presentFields,
  type OpsService,
  type RebuildResult,
  type ReplayResult,
  type ReplaySelector,
  type RetryResult,
  type RetrySelector,
} from './ops-service.js';

export interface PipelineOpsServiceOptions {
  redis: Redis;
  kafka: Kafka;
  readModel: ReadModelSource;
  publisher: EventPublisher;
  enrollmentTopic: string;
  /** Read model base prefix, e.g. `vo:` (keyspace pointers live there). */
  basePrefix: string;
  logger: Logger;
}

const CHUNK = 500;

type FailedState = EnrollmentState & { failure: NonNullable<EnrollmentState['failure']> };

const isFailed = (state: EnrollmentState | null): state is FailedState =>
  state?.status === 'failed' && state.failure !== null;

/** The `retried` event that sends a failed enrollment back to its failed step (worker: PipelineConsumer.retry). */
function retriedEvent(state: FailedState, reason: string, requestedBy: string): EnrollmentEvent {
  const sequence = state.version + 1;
  return createEvent({
    type: EVENT_TYPES.retried,
    subject: state.id,
    sequence,
    data: { step: state.failure.step, reason, requestedBy },
    source: EVENT_SOURCE,
    correlationId: state.correlationId,
    causationId: state.lastEventId,
    // One retry per position in the stream: two operators retrying at once publish the same event id.
    discriminator: sequence,
  });
}

/**
 * Ops on failed and stuck work, all through the pipeline's own idempotent paths: a retry is an
 * `enrollment.retried` event, a replay re-drives from what the event log says, a rebuild refills the read
 * model from the log and switches readers over.
 */
export class PipelineOpsService implements OpsService {
  private readonly rebuild: ProjectionRebuild;

  constructor(private readonly options: PipelineOpsServiceOptions) {
    this.rebuild = new ProjectionRebuild(options.redis, options.kafka, {
      basePrefix: options.basePrefix,
      topic: options.enrollmentTopic,
      logger: options.logger,
    });
  }

  async retryFailed(selector: RetrySelector): Promise<RetryResult> {
    const readModel = await this.options.readModel();
    const ids = selector.ids ?? (await this.failedIds(selector.filter ?? {}));
    let retried = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const states = await Promise.all(ids.slice(i, i + CHUNK).map((id) => readModel.get(id)));
      // Only what is failed now: a retry never repeats a step that succeeded, nor touches finished work.
      const events = states
        .filter(isFailed)
        .map((s) => retriedEvent(s, selector.reason, selector.requestedBy));
      await this.options.publisher.publish('enrollment', events);
      retried += events.length;
    }
    this.options.logger.info(
      { retried, selected: ids.length, requestedBy: selector.requestedBy },
      'ops retry',
    );
    return { retried };
  }

  private async failedIds(filter: NonNullable<RetrySelector['filter']>): Promise<string[]> {
    const readModel = await this.options.readModel();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await readModel.listFailed({ ...presentFields(filter), limit: 1000, cursor });
      ids.push(...page.items.map((item) => item.enrollmentId));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  /**
   * Reads the event log (from `since` when given), folds every selected enrollment, and re-drives what is
   * unfinished: a failed one is retried at its failed step, a stuck one gets its next step again under the
   * job id the log implies (running work is left alone by the worker). Terminal ones are skipped.
   */
  async replay(selector: ReplaySelector): Promise<ReplayResult> {
    const ids = selector.ids ? new Set(selector.ids) : null;
    const since = selector.since ? Date.parse(selector.since) : undefined;
    const until = selector.until ? Date.parse(selector.until) : undefined;
    const streams = await readEnrollmentStreams(this.options.kafka, {
      topic: this.options.enrollmentTopic,
      ...(since !== undefined && { fromTimestamp: since }),
      select: (requested) => {
        const at = Date.parse(requested.time);
        return (
          (ids === null || ids.has(requested.subject)) &&
          (selector.batchId === undefined || requested.data.batchId === selector.batchId) &&
          (since === undefined || at >= since) &&
          (until === undefined || at < until)
        );
      },
    });
    const events = [...streams.values()].reduce((n, stream) => n + stream.length, 0);

    const retries: EnrollmentEvent[] = [];
    const redrives: EventEnvelope[] = [];
    let terminal = 0;
    for (const [id, stream] of streams) {
      const state = fold(stream);
      if (state.status === 'failed') {
        if (isFailed(state)) retries.push(retriedEvent(state, 'ops replay', selector.requestedBy));
        continue;
      }
      const step = nextStep(state);
      if (step === null) {
        terminal++;
        continue;
      }
      const lastRetry = stream.filter((e) => e.type === EVENT_TYPES.retried).at(-1);
      redrives.push(
        createEvent({
          type: EVENT_TYPES.redriveRequested,
          subject: id,
          sequence: state.version,
          data: {
            enrollmentId: id,
            step,
            generation: lastRetry?.sequence ?? 0,
            nextSequence: state.version + 1,
            request: state.request,
            requestedBy: selector.requestedBy,
            reason: 'ops replay',
          },
          source: EVENT_SOURCE,
          correlationId: state.correlationId,
          causationId: state.lastEventId,
          // A new id per replay request: re-driving twice must reach the worker twice (it is idempotent there).
          discriminator: `${state.version}:${Date.now()}`,
        }),
      );
    }
    if (!selector.dryRun) {
      for (let i = 0; i < retries.length; i += CHUNK)
        await this.options.publisher.publish('enrollment', retries.slice(i, i + CHUNK));
      for (let i = 0; i < redrives.length; i += CHUNK)
        await this.options.publisher.publish('hints', redrives.slice(i, i + CHUNK));
    }
    const result = {
      dryRun: selector.dryRun,
      enrollments: streams.size,
      events,
      retried: retries.length,
      redriven: redrives.length,
      terminal,
    };
    this.options.logger.info({ ...result, requestedBy: selector.requestedBy }, 'ops replay');
    return result;
  }

  async rebuildProjection(requestedBy: string): Promise<RebuildResult> {
    try {
      const { status } = await this.rebuild.start(requestedBy);
      return toRebuildResult(status);
    } catch (error) {
      if (error instanceof RebuildInProgressError)
        throw new ConflictError(
          'rebuild_in_progress',
          'A projection rebuild is already running; see GET /v1/ops/projections/rebuild.',
        );
      throw error;
    }
  }

  async rebuildStatus(): Promise<RebuildResult | null> {
    const status = await this.rebuild.status();
    return status ? toRebuildResult(status) : null;
  }
}

function toRebuildResult(status: RebuildStatus): RebuildResult {
  return {
    started: true,
    rebuildId: status.id,
    state: status.state,
    startedAt: status.startedAt,
    finishedAt: status.finishedAt,
    enrollments: status.enrollments,
    events: status.events,
    error: status.error,
  };
}

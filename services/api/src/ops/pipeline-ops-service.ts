import { randomUUID } from 'node:crypto';
import {
  ProjectionRebuild,
  RebuildInProgressError,
  readEnrollmentStreams,
  type Kafka,
  type RebuildStatus,
} from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadModelSource } from '../enrollments/read-model-source.js';
import { ConflictError } from '../errors.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { planReplay, retriedEvent } from './ops-events.js';
import {
  presentFields,
  type OpsService,
  type RebuildResult,
  type ReplayResult,
  type ReplaySelector,
  type ReplayStatus,
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
  /** OPS_REPLAY_LIMIT: most enrollments one replay selects. */
  replayLimit: number;
  logger: Logger;
}

const CHUNK = 500;
const REPLAY_LOCK_MS = 60_000;
const REPLAY_STATUS_TTL_SEC = 7 * 24 * 3600;
/** Deletes the lock only if it is still this replay's. */
const RELEASE_LOCK =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** The lock that allows one replay at a time (exported for tests that play another instance). */
export const replayLockKey = (basePrefix: string) => `${basePrefix}ops:replay:running`;
const replayKey = (basePrefix: string, id: string) => `${basePrefix}ops:replay:${id}`;

/**
 * Ops on failed and stuck work, all through the pipeline's own idempotent paths: a retry is an
 * `enrollment.retried` event, a replay re-drives from what the event log says, a rebuild refills the read
 * model from the log and switches readers over.
 */
export class PipelineOpsService implements OpsService {
  private readonly rebuild: ProjectionRebuild;
  private readonly running = new Set<Promise<void>>();

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
      const events = states.flatMap((s) => retriedEvent(s, selector.reason, selector.requestedBy) ?? []);
      await this.options.publisher.publish('enrollmentEvents', events);
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
   * Starts a replay in the background: one at a time per deployment (a Redis lock that expires when its api
   * instance dies), status and progress in Redis for GET /v1/ops/replays/:id.
   */
  async startReplay(selector: ReplaySelector): Promise<ReplayStatus> {
    const id = randomUUID();
    const lock = replayLockKey(this.options.basePrefix);
    const claimed = await this.options.redis.set(lock, id, 'PX', REPLAY_LOCK_MS, 'NX');
    if (claimed !== 'OK')
      throw new ConflictError(
        'replay_in_progress',
        'A replay is already running; follow it at GET /v1/ops/replays/:id.',
      );
    const status: ReplayStatus = {
      id,
      state: 'running',
      dryRun: selector.dryRun,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      enrollments: 0,
      events: 0,
      retried: 0,
      redriven: 0,
      terminal: 0,
      limit: this.options.replayLimit,
      truncated: false,
      error: null,
    };
    await this.saveReplay(status);
    const run = this.runReplay(selector, status).finally(() => this.running.delete(run));
    this.running.add(run);
    return status;
  }

  async replayStatus(id: string): Promise<ReplayStatus | null> {
    const raw = await this.options.redis.get(replayKey(this.options.basePrefix, id));
    return raw ? (JSON.parse(raw) as ReplayStatus) : null;
  }

  /** Waits for the replays this instance runs (app close). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async saveReplay(status: ReplayStatus): Promise<void> {
    await this.options.redis.set(
      replayKey(this.options.basePrefix, status.id),
      JSON.stringify(status),
      'EX',
      REPLAY_STATUS_TTL_SEC,
    );
  }

  private async runReplay(selector: ReplaySelector, status: ReplayStatus): Promise<void> {
    const { redis, basePrefix, logger } = this.options;
    const lock = replayLockKey(basePrefix);
    // Progress is written every second; the lock is kept while this instance works.
    const tick = setInterval(() => {
      void this.saveReplay(status).catch(() => undefined);
      void redis.pexpire(lock, REPLAY_LOCK_MS).catch(() => undefined);
    }, 1000);
    try {
      Object.assign(status, await this.replay(selector, status));
      status.state = 'completed';
    } catch (error) {
      status.state = 'failed';
      status.error = (error as { code?: string }).code ?? (error as Error).name;
      logger.error({ err: error, replayId: status.id }, 'ops replay failed');
    } finally {
      clearInterval(tick);
      status.finishedAt = new Date().toISOString();
      await this.saveReplay(status).catch(() => undefined);
      await redis.eval(RELEASE_LOCK, 1, lock, status.id).catch(() => undefined);
    }
  }

  /**
   * Reads the event log (from `since` when given) as a stream, keeps the selected enrollments' streams only
   * (at most `replayLimit` of them: memory stays bounded whatever the log's size), folds each, and re-drives
   * what is unfinished: a failed one is retried at its failed step, a stuck one gets its next step again
   * under the job id the log implies (running work is left alone by the worker). Terminal ones are skipped.
   */
  private async replay(selector: ReplaySelector, progress: ReplayStatus): Promise<ReplayResult> {
    const ids = selector.ids ? new Set(selector.ids) : null;
    const since = selector.since ? Date.parse(selector.since) : undefined;
    const until = selector.until ? Date.parse(selector.until) : undefined;
    const limit = this.options.replayLimit;
    const streams = await readEnrollmentStreams(this.options.kafka, {
      topic: this.options.enrollmentTopic,
      ...(since !== undefined && { fromTimestamp: since }),
      select: (requested) => {
        const at = Date.parse(requested.time);
        const matches =
          (ids === null || ids.has(requested.subject)) &&
          (selector.batchId === undefined || requested.data.batchId === selector.batchId) &&
          (since === undefined || at >= since) &&
          (until === undefined || at < until);
        if (!matches) return false;
        if (progress.enrollments >= limit) {
          progress.truncated = true;
          return false;
        }
        progress.enrollments++;
        return true;
      },
    });
    const events = [...streams.values()].reduce((n, stream) => n + stream.length, 0);

    const { retries, redrives, terminal } = planReplay(streams, selector.requestedBy);
    if (!selector.dryRun) {
      for (let i = 0; i < retries.length; i += CHUNK)
        await this.options.publisher.publish('enrollmentEvents', retries.slice(i, i + CHUNK));
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
    this.options.logger.info(
      { ...result, truncated: progress.truncated, requestedBy: selector.requestedBy },
      'ops replay',
    );
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

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { type EnrollmentEvent, isEnrollmentEventType } from '@verified-onboard/events';
import { AdapterError } from '../../errors.js';
import { scanEventLog } from '../../kafka/log-scanner.js';
import { silentLogger, type LoggerLike } from '../../logger.js';
import { KEYSPACE_REFRESH_MS } from './live-read-model.js';
import { ReadModel } from './read-model.js';

export interface RebuildStatus {
  id: string;
  state: 'running' | 'completed' | 'failed';
  targetPrefix: string;
  previousPrefix: string | null;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  events: number;
  enrollments: number;
  error: string | null;
}

export interface ProjectionRebuildOptions {
  /** Base key prefix of the read model (e.g. `vo:`): pointers live there, keyspaces below it. */
  basePrefix: string;
  /** The enrollment events topic. */
  topic: string;
  logger?: LoggerLike;
  /** How long live projectors may take to notice the target; default twice their refresh. */
  observeMs?: number;
  /** Keep the old keyspace this long after the switch (readers still holding it), then delete it. */
  dropAfterMs?: number;
}

export class RebuildInProgressError extends AdapterError {
  readonly code = 'rebuild_in_progress';
}

const TARGET_TTL_MS = 60_000;

/**
 * Rebuilds the read model from offset zero into a new keyspace and switches readers over when it has caught
 * up, with no moment where reads are wrong or empty:
 * 1. claim a target keyspace; live projectors (LiveReadModel) start writing every event there too;
 * 2. wait until they have noticed, then read the log from the beginning up to its end as of now into the
 *    target (what comes later, the live projectors write; the read model tolerates either order);
 * 3. point readers at the target, release the claim, and delete the old keyspace after a grace period.
 * Readers use the old keyspace, complete and live, until the switch.
 */
export class ProjectionRebuild {
  private readonly logger: LoggerLike;

  constructor(
    private readonly redis: Redis,
    private readonly kafka: Kafka,
    private readonly options: ProjectionRebuildOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Where the last rebuild's status is kept. */
  get statusKey(): string {
    return `${this.options.basePrefix}rm-rebuild`;
  }

  async status(): Promise<RebuildStatus | null> {
    const json = await this.redis.get(this.statusKey);
    if (!json) return null;
    const status = JSON.parse(json) as RebuildStatus;
    // A running rebuild renews its claim; a claim that lapsed means the process running it is gone.
    if (
      status.state === 'running' &&
      (await ReadModel.rebuildTarget(this.redis, this.options.basePrefix)) !== status.targetPrefix
    ) {
      return {
        ...status,
        state: 'failed',
        error:
          'abandoned: the process running it stopped before the switch; readers stayed on the old keyspace',
      };
    }
    return status;
  }

  private async save(status: RebuildStatus): Promise<void> {
    await this.redis.set(this.statusKey, JSON.stringify(status));
  }

  /** Claims the rebuild and runs it in the background; `done` settles when it has switched (or failed). */
  async start(requestedBy: string): Promise<{ status: RebuildStatus; done: Promise<RebuildStatus> }> {
    const id = randomUUID();
    const targetPrefix = `${this.options.basePrefix}rb-${id.slice(0, 8)}:`;
    if (
      !(await ReadModel.claimRebuildTarget(this.redis, this.options.basePrefix, targetPrefix, TARGET_TTL_MS))
    ) {
      throw new RebuildInProgressError('a projection rebuild is already running');
    }
    const status: RebuildStatus = {
      id,
      state: 'running',
      targetPrefix,
      previousPrefix: null,
      requestedBy,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      events: 0,
      enrollments: 0,
      error: null,
    };
    await this.save(status);
    return { status, done: this.run(status) };
  }

  private async run(status: RebuildStatus): Promise<RebuildStatus> {
    const { basePrefix } = this.options;
    const renew = setInterval(() => {
      ReadModel.renewRebuildTarget(this.redis, basePrefix, TARGET_TTL_MS).catch(() => undefined);
    }, TARGET_TTL_MS / 4);
    try {
      await new Promise((r) => setTimeout(r, this.options.observeMs ?? 2 * KEYSPACE_REFRESH_MS + 500));
      const target = new ReadModel(this.redis, { prefix: status.targetPrefix });
      const enrollments = new Set<string>();
      let lastSave = Date.now();
      const scan = await scanEventLog(this.kafka, {
        topic: this.options.topic,
        logger: this.logger,
        timeoutMs: 60 * 60_000,
        onEvent: async (event) => {
          if (!isEnrollmentEventType(event.type)) return;
          await target.applyEvent(event as EnrollmentEvent);
          enrollments.add(event.subject);
          status.events++;
          if (Date.now() - lastSave > 1000) {
            lastSave = Date.now();
            status.enrollments = enrollments.size;
            await this.save(status);
          }
        },
      });
      status.enrollments = enrollments.size;
      status.previousPrefix = await ReadModel.switchKeyspace(this.redis, basePrefix, status.targetPrefix);
      // Final status before the claim goes: status() reads "running without a claim" as abandoned.
      Object.assign(status, { state: 'completed', finishedAt: new Date().toISOString() });
      await this.save(status);
      await ReadModel.releaseRebuildTarget(this.redis, basePrefix);
      this.logger.info(
        {
          rebuildId: status.id,
          events: status.events,
          undecodable: scan.undecodable,
          enrollments: status.enrollments,
        },
        'projection rebuilt and switched',
      );
      const previous = status.previousPrefix;
      setTimeout(
        () => {
          ReadModel.dropKeyspace(this.redis, previous).catch((error: Error) =>
            this.logger.warn({ err: { message: error.message } }, 'could not drop the old keyspace'),
          );
        },
        this.options.dropAfterMs ?? 10 * KEYSPACE_REFRESH_MS,
      ).unref();
      return status;
    } catch (error) {
      Object.assign(status, {
        state: 'failed',
        finishedAt: new Date().toISOString(),
        error: (error as Error).message,
      });
      await this.save(status).catch(() => undefined);
      await ReadModel.releaseRebuildTarget(this.redis, basePrefix).catch(() => undefined);
      await ReadModel.dropKeyspace(this.redis, status.targetPrefix).catch(() => undefined);
      this.logger.error(
        { rebuildId: status.id, err: { message: (error as Error).message } },
        'projection rebuild failed; readers stay on the old keyspace',
      );
      return status;
    } finally {
      clearInterval(renew);
    }
  }
}

import type { Redis } from 'ioredis';
import type { EnrollmentEvent, EnrollmentState } from '@verified-onboard/events';
import { ReadModel, type ApplyResult, type ReadModelOptions } from './read-model.js';

/** How often live readers and writers look up the keyspace pointers; a rebuild waits twice this long. */
export const KEYSPACE_REFRESH_MS = 1000;

/**
 * Records the live projector keeps after writing them (ReadModelOptions.recentRecords): the enrollments in
 * flight, whose next event then costs no read of the hash. Ended enrollments are not kept.
 */
const RECENT_RECORDS = 5000;

/**
 * The read model as the live projector must see it: the active keyspace (which a rebuild switches), plus,
 * while a rebuild runs, its target keyspace, which gets every event too. Pointers are read at most every
 * `refreshMs`, one GET each, not one per event.
 */
export class LiveReadModel {
  private cached: { active: ReadModel; target: ReadModel | null; at: number } | null = null;
  /** The lookup in flight: the projector's concurrent lanes all wait for one MGET, not one each. */
  private refreshing: Promise<{ active: ReadModel; target: ReadModel | null }> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly basePrefix: string,
    private readonly options: Omit<ReadModelOptions, 'prefix'> & { refreshMs?: number } = {},
  ) {}

  private async models(): Promise<{ active: ReadModel; target: ReadModel | null }> {
    if (this.cached && Date.now() - this.cached.at < (this.options.refreshMs ?? KEYSPACE_REFRESH_MS))
      return this.cached;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<{ active: ReadModel; target: ReadModel | null }> {
    const now = Date.now();
    const { active: activePrefix, target: targetPrefix } = await ReadModel.keyspaces(
      this.redis,
      this.basePrefix,
    );
    const reuse = (prefix: string) =>
      [this.cached?.active, this.cached?.target].find((m) => m?.prefix === prefix) ??
      new ReadModel(this.redis, { recentRecords: RECENT_RECORDS, ...this.options, prefix });
    this.cached = {
      active: reuse(activePrefix),
      target: targetPrefix === null || targetPrefix === activePrefix ? null : reuse(targetPrefix),
      at: now,
    };
    return this.cached;
  }

  async applyEvent(event: EnrollmentEvent): Promise<ApplyResult> {
    const { active, target } = await this.models();
    const result = await active.applyEvent(event);
    if (target) await target.applyEvent(event);
    return result;
  }

  async get(enrollmentId: string): Promise<EnrollmentState | null> {
    return (await this.models()).active.get(enrollmentId);
  }

  async events(enrollmentId: string): Promise<EnrollmentEvent[]> {
    return (await this.models()).active.events(enrollmentId);
  }
}

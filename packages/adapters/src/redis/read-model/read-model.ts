import { readModelKeys } from './read-model-keys.js';
import type { Redis } from 'ioredis';
import {
  type EnrollmentEvent,
  SequenceConflictError,
  evolveRecord,
  isDuplicate,
  type ParseOptions,
  EVENT_TYPES,
  ENROLLMENT_STATUSES,
  type EnrollmentState,
  type EnrollmentStatus,
  type UpcasterRegistry,
  tenantOf,
  TERMINAL_STATUSES,
} from '@verified-onboard/events';
import { ReadModelContentionError } from '../../errors.js';
import { applyScript } from './apply-script.js';
import { packState } from './compact-state.js';
import { failedEntryOf, listFailed, toMillis, type FailedFilter, type FailedPage } from './failed-index.js';
import * as pointers from './keyspace-pointers.js';
import { loadEvents, loadRecord, type LoadedRecord } from './record-store.js';
import { toStored, type StoredEvent } from './stored-event.js';
import { encodeRecord } from './stored-record.js';

export type { FailedEntry, FailedFilter, FailedPage } from './failed-index.js';

export interface ReadModelOptions {
  /** Key prefix, e.g. `vo:`; keys are built by readModelKeys (read-model-keys.ts). */
  prefix: string;
  upcasters?: UpcasterRegistry;
  /**
   * How many enrollments' records to keep in memory after writing them (0, the default: none). The next
   * event of a kept enrollment is folded without reading its hash first; the write's compare-and-set still
   * checks the version, so a record another writer moved is read again. For the live projector, where an
   * enrollment's events come one after another (docs/benchmarks.md, redis_commands).
   */
  recentRecords?: number;
}

export type ApplyResult = 'applied' | 'duplicate' | 'conflict' | 'deferred';

export interface BatchCounts {
  total: number;
  byStatus: Record<EnrollmentStatus, number>;
  /** Tenant of the batch's enrollments; null while none is projected. */
  tenant: string | null;
}

const MAX_CAS_ATTEMPTS = 50;

/**
 * The Redis projection of enrollment events: the folded state per enrollment, its events, counts per
 * status for each batch, and an index of failed enrollments. Written by the worker's projector, read by
 * the api. Idempotent by event id and version, so a replay or redelivery changes nothing.
 */
export class ReadModel {
  readonly prefix: string;
  private readonly parse: ParseOptions;
  /** Records this instance wrote last, by enrollment id, oldest first (see ReadModelOptions.recentRecords). */
  private readonly recent = new Map<string, LoadedRecord>();
  private readonly recentCapacity: number;

  constructor(
    private readonly redis: Redis,
    options: ReadModelOptions,
  ) {
    this.prefix = options.prefix;
    this.parse = { upcasters: options.upcasters };
    this.recentCapacity = options.recentRecords ?? 0;
  }

  // The keyspace pointers, kept here for the callers that reach them through ReadModel.
  static activeKeyspace = pointers.activeKeyspace;
  static switchKeyspace = pointers.switchKeyspace;
  static rebuildTarget = pointers.rebuildTarget;
  static keyspaces = pointers.keyspaces;
  static claimRebuildTarget = pointers.claimRebuildTarget;
  static renewRebuildTarget = pointers.renewRebuildTarget;
  static releaseRebuildTarget = pointers.releaseRebuildTarget;
  static dropKeyspace = pointers.dropKeyspace;

  /** A ReadModel on the active keyspace. */
  static async open(
    redis: Redis,
    basePrefix: string,
    options: Omit<ReadModelOptions, 'prefix'> = {},
  ): Promise<ReadModel> {
    return new ReadModel(redis, { ...options, prefix: await ReadModel.activeKeyspace(redis, basePrefix) });
  }

  key(enrollmentId: string): string {
    return readModelKeys(this.prefix).record(enrollmentId);
  }
  private batchKey(batchId: string): string {
    return readModelKeys(this.prefix).batch(batchId);
  }
  private get failedKey(): string {
    return readModelKeys(this.prefix).failed;
  }
  private get failedMetaKey(): string {
    return readModelKeys(this.prefix).failedMeta;
  }

  private load(enrollmentId: string): Promise<LoadedRecord> {
    return loadRecord(this.redis, this.key(enrollmentId), enrollmentId, this.parse);
  }

  async get(enrollmentId: string): Promise<EnrollmentState | null> {
    return (await this.load(enrollmentId)).state;
  }

  async events(enrollmentId: string): Promise<EnrollmentEvent[]> {
    return loadEvents(this.redis, this.key(enrollmentId), enrollmentId, this.parse);
  }

  /**
   * Folds one event into the projection atomically. 'duplicate': this id was applied (or is held) already;
   * 'conflict': a different event already holds this position (a conflicting writer; the first one wins);
   * 'deferred': it arrived before an earlier event of its enrollment (a rebuild and the live projector
   * writing the same keyspace can interleave that way), so it is held and folded in as soon as the gap closes.
   * An impossible transition throws InvalidTransitionError.
   */
  async applyEvent(event: EnrollmentEvent): Promise<ApplyResult> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const kept = attempt === 0 ? this.recent.get(event.subject) : undefined;
      const loaded = kept ?? (await this.load(event.subject));
      const before = loaded.state;
      if (isDuplicate(before, event) || loaded.pending.some((p) => p.id === event.id)) return 'duplicate';
      const early =
        before === null ? event.type !== EVENT_TYPES.requested : event.sequence > before.version + 1;
      if (early) {
        if (loaded.pending.some((p) => p.sequence === event.sequence)) return 'conflict';
        const pending = [...loaded.pending, event].sort((a, b) => a.sequence - b.sequence);
        if (await this.write(event.subject, loaded, before, before, loaded.events, pending))
          return 'deferred';
        continue;
      }
      let after: EnrollmentState;
      let events = [...loaded.events, toStored(event, loaded.events)];
      try {
        after = evolveRecord(before, event);
      } catch (error) {
        if (error instanceof SequenceConflictError) return 'conflict';
        throw error;
      }
      // The gap this event closed may release held events, in order.
      let pending = loaded.pending;
      for (let next = pending[0]; next && next.sequence <= after.version + 1; next = pending[0]) {
        pending = pending.slice(1);
        if (next.sequence <= after.version) continue; // a rival held a position that is now taken
        after = evolveRecord(after, next);
        events = [...events, toStored(next, events)];
      }
      if (await this.write(event.subject, loaded, before, after, events, pending)) return 'applied';
      // Another writer moved the enrollment between our read and write: read again and re-decide.
    }
    throw new ReadModelContentionError(
      `read model: enrollment ${event.subject} kept changing during ${MAX_CAS_ATTEMPTS} attempts`,
    );
  }

  /** One compare-and-set of the enrollment with its indexes; false when someone wrote it since `loaded`. */
  private async write(
    id: string,
    loaded: LoadedRecord,
    before: EnrollmentState | null,
    after: EnrollmentState | null,
    events: StoredEvent[],
    pending: EnrollmentEvent[],
  ): Promise<boolean> {
    const failedOp = after?.status === 'failed' ? 'add' : before?.status === 'failed' ? 'remove' : '';
    const meta = failedEntryOf(after, failedOp);
    // `v` only has to change on every write: the version, plus how many events are held back.
    const version = `${after?.version ?? 0}${pending.length ? `+${pending.length}` : ''}`;
    const tenant = after && !loaded.fields.tenant ? tenantOf(after.request) : '';
    const ok = await applyScript.run(
      this.redis,
      [this.key(id), this.batchKey(after?.batchId ?? ''), this.failedKey, this.failedMetaKey],
      [
        loaded.version,
        after ? encodeRecord({ state: packState(after), events }) : '',
        version,
        before?.status ?? '',
        after?.status ?? '',
        after?.batchId && after !== before ? '1' : '0',
        after === before ? '' : failedOp,
        id,
        meta ? toMillis(meta.failedAt) : 0,
        meta ? JSON.stringify(meta) : '',
        pending.length ? JSON.stringify(pending) : '',
        tenant,
        loaded.fields.pending ? '1' : '0',
        loaded.fields.legacy ? '1' : '0',
      ],
    );
    if (ok !== 1) {
      this.recent.delete(id);
      return false;
    }
    this.keep(id, {
      state: after,
      events: after ? events : loaded.events,
      pending,
      version,
      fields: {
        pending: pending.length > 0,
        legacy: after ? false : loaded.fields.legacy,
        tenant: loaded.fields.tenant || tenant !== '',
      },
    });
    return true;
  }

  /** Keeps what was just written, unless the enrollment ended (no further event is expected). */
  private keep(id: string, record: LoadedRecord): void {
    this.recent.delete(id);
    if (this.recentCapacity === 0 || (record.state && TERMINAL_STATUSES.has(record.state.status))) return;
    this.recent.set(id, record);
    if (this.recent.size > this.recentCapacity) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }

  async batch(batchId: string): Promise<BatchCounts> {
    const raw = await this.redis.hgetall(this.batchKey(batchId));
    const byStatus = Object.fromEntries(ENROLLMENT_STATUSES.map((s) => [s, Number(raw[s] ?? 0)])) as Record<
      EnrollmentStatus,
      number
    >;
    return { total: Number(raw.total ?? 0), byStatus, tenant: raw.tenant ?? null };
  }

  /** Failed enrollments, oldest failure first, filtered; page with `cursor`. */
  listFailed(filter: FailedFilter = {}): Promise<FailedPage> {
    return listFailed(this.redis, { failed: this.failedKey, meta: this.failedMetaKey }, filter);
  }
}

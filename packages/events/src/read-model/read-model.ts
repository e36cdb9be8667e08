import type { Redis } from 'ioredis';
import type { EnrollmentEvent } from '../envelope.js';
import {
  CorruptRecordError,
  InvalidCursorError,
  ReadModelContentionError,
  SequenceConflictError,
} from '../errors.js';
import { apply, isDuplicate } from '../fold.js';
import { parseEvent, type ParseOptions } from '../parse-event.js';
import { EVENT_TYPES } from '../event-types.js';
import type { Step } from '../schemas/common.js';
import { ENROLLMENT_STATUSES, type EnrollmentState, type EnrollmentStatus } from '../state.js';
import type { UpcasterRegistry } from '../upcasters.js';
import { tenantOf } from '../tenant.js';
import { applyScript } from './apply-script.js';
import { packState, unpackState, type PackedState } from './compact-state.js';
import { expand, parseStored, toStored, type StoredEvent } from './stored-event.js';
import { decodeRecord, encodeRecord, type RecordContent } from './stored-record.js';

export interface ReadModelOptions {
  /** Key prefix, e.g. `vo:`; keys are `${prefix}rm:{enrollmentId}` and `${prefix}rm:...` indexes. */
  prefix: string;
  upcasters?: UpcasterRegistry;
}

export type ApplyResult = 'applied' | 'duplicate' | 'stale' | 'deferred';

export interface BatchCounts {
  total: number;
  byStatus: Record<EnrollmentStatus, number>;
  /** Tenant of the batch's enrollments; null while none is projected. */
  tenant: string | null;
}

export interface FailedFilter {
  step?: Step;
  code?: string;
  batchId?: string;
  since?: Date | string | number;
  until?: Date | string | number;
  retryable?: boolean;
  /** Default 100, at most 1000. */
  limit?: number;
  cursor?: string | null;
}

export interface FailedEntry {
  enrollmentId: string;
  failedAt: string;
  step: Step;
  code: string;
  message: string;
  retryable: boolean;
  attempts: number;
  batchId: string | null;
}

export interface FailedPage {
  items: FailedEntry[];
  /** Pass back to get the next page; null when there are no more. */
  nextCursor: string | null;
}

interface Loaded {
  state: EnrollmentState | null;
  events: StoredEvent[];
  /** Events that arrived ahead of a gap in their enrollment's sequence, oldest first. */
  pending: EnrollmentEvent[];
  version: string;
}

const MAX_CAS_ATTEMPTS = 50;
/** Hash field of the compressed record (stored-record.ts). */
const RECORD_FIELD = 'r';
const ACTIVE_POINTER = 'rm-active';
const REBUILD_TARGET = 'rm-target';

function toMillis(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(value)}`);
  return ms;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * The Redis projection of enrollment events: the folded state per enrollment, its events, counts per
 * status for each batch, and an index of failed enrollments. Written by the worker's projector, read by
 * the api. Idempotent by event id and version, so a replay or redelivery changes nothing.
 */
export class ReadModel {
  readonly prefix: string;
  private readonly parse: ParseOptions;

  constructor(
    private readonly redis: Redis,
    options: ReadModelOptions,
  ) {
    this.prefix = options.prefix;
    this.parse = { upcasters: options.upcasters };
  }

  /** The prefix readers should use: the pointer set by switchKeyspace, else `basePrefix`. */
  static async activeKeyspace(redis: Redis, basePrefix: string): Promise<string> {
    return (await redis.get(`${basePrefix}${ACTIVE_POINTER}`)) ?? basePrefix;
  }

  /**
   * Points readers at `prefix`; returns the previous active prefix. Use it through ProjectionRebuild: a bare
   * switch while live projectors run can leave an enrollment's first events in the old keyspace only.
   */
  static async switchKeyspace(redis: Redis, basePrefix: string, prefix: string): Promise<string> {
    const previous = await redis.getset(`${basePrefix}${ACTIVE_POINTER}`, prefix);
    return previous ?? basePrefix;
  }

  /**
   * The keyspace a projection rebuild is filling, if one runs: live projectors write there too, so that
   * nothing published during the rebuild is missing when readers switch over (see ProjectionRebuild).
   */
  static async rebuildTarget(redis: Redis, basePrefix: string): Promise<string | null> {
    return redis.get(`${basePrefix}${REBUILD_TARGET}`);
  }

  /**
   * Both pointers in one atomic read. A rebuild switches `active` and then releases `target`; reading them
   * separately could see the old active with no target and feed only the keyspace readers just left.
   */
  static async keyspaces(
    redis: Redis,
    basePrefix: string,
  ): Promise<{ active: string; target: string | null }> {
    const [active, target] = await redis.mget(
      `${basePrefix}${ACTIVE_POINTER}`,
      `${basePrefix}${REBUILD_TARGET}`,
    );
    return { active: active ?? basePrefix, target: target ?? null };
  }

  /** Claims the rebuild target (one rebuild at a time); the claim expires unless renewed, so a crash frees it. */
  static async claimRebuildTarget(
    redis: Redis,
    basePrefix: string,
    prefix: string,
    ttlMs: number,
  ): Promise<boolean> {
    return (await redis.set(`${basePrefix}${REBUILD_TARGET}`, prefix, 'PX', ttlMs, 'NX')) === 'OK';
  }

  static async renewRebuildTarget(redis: Redis, basePrefix: string, ttlMs: number): Promise<void> {
    await redis.pexpire(`${basePrefix}${REBUILD_TARGET}`, ttlMs);
  }

  static async releaseRebuildTarget(redis: Redis, basePrefix: string): Promise<void> {
    await redis.del(`${basePrefix}${REBUILD_TARGET}`);
  }

  /** A ReadModel on the active keyspace. */
  static async open(
    redis: Redis,
    basePrefix: string,
    options: Omit<ReadModelOptions, 'prefix'> = {},
  ): Promise<ReadModel> {
    return new ReadModel(redis, { ...options, prefix: await ReadModel.activeKeyspace(redis, basePrefix) });
  }

  /** Deletes every key of a keyspace (an old one after a switch); returns how many. */
  static async dropKeyspace(redis: Redis, prefix: string): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}rm:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  key(enrollmentId: string): string {
    return `${this.prefix}rm:${enrollmentId}`;
  }
  private batchKey(batchId: string): string {
    return `${this.prefix}rm:batch:${batchId}`;
  }
  private get failedKey(): string {
    return `${this.prefix}rm:failed`;
  }
  private get failedMetaKey(): string {
    return `${this.prefix}rm:failed-meta`;
  }

  private async load(enrollmentId: string): Promise<Loaded> {
    const [record, legacyState, legacyEvents, version, pendingJson] = await this.redis.hmgetBuffer(
      this.key(enrollmentId),
      RECORD_FIELD,
      'state',
      'events',
      'v',
      'p',
    );
    const v = version?.toString('utf8') ?? '';
    const pending = pendingJson ? parsePending(pendingJson.toString('utf8'), this.parse) : [];
    const content = readRecord(record, legacyState, legacyEvents);
    if (!content) return { state: null, events: [], pending, version: v };
    // Only the requested event is needed whole (for `request`); the rest of the state is in the packed state.
    const [requested] = parseStored(enrollmentId, expand(content.events).slice(0, 1), this.parse);
    if (!requested) throw new CorruptRecordError(`read model: enrollment ${enrollmentId} has no events`);
    return {
      state: unpackState(content.state, content.events, requested),
      events: content.events,
      pending,
      version: v,
    };
  }

  async get(enrollmentId: string): Promise<EnrollmentState | null> {
    return (await this.load(enrollmentId)).state;
  }

  async events(enrollmentId: string): Promise<EnrollmentEvent[]> {
    const [record, legacyState, legacyEvents] = await this.redis.hmgetBuffer(
      this.key(enrollmentId),
      RECORD_FIELD,
      'state',
      'events',
    );
    const content = readRecord(record, legacyState, legacyEvents);
    return content ? parseStored(enrollmentId, content.events, this.parse) : [];
  }

  /**
   * Folds one event into the projection atomically. 'duplicate': this id was applied (or is held) already;
   * 'stale': a different event already holds this position (a conflicting writer; the first one wins);
   * 'deferred': it arrived before an earlier event of its enrollment (a rebuild and the live projector
   * writing the same keyspace can interleave that way), so it is held and folded in as soon as the gap closes.
   * An impossible transition throws InvalidTransitionError.
   */
  async applyEvent(event: EnrollmentEvent): Promise<ApplyResult> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const loaded = await this.load(event.subject);
      const before = loaded.state;
      if (isDuplicate(before, event) || loaded.pending.some((p) => p.id === event.id)) return 'duplicate';
      const early =
        before === null ? event.type !== EVENT_TYPES.requested : event.sequence > before.version + 1;
      if (early) {
        if (loaded.pending.some((p) => p.sequence === event.sequence)) return 'stale';
        const pending = [...loaded.pending, event].sort((a, b) => a.sequence - b.sequence);
        if (await this.write(event.subject, loaded, before, before, loaded.events, pending))
          return 'deferred';
        continue;
      }
      let after: EnrollmentState;
      let events = [...loaded.events, toStored(event, loaded.events)];
      try {
        after = apply(before, event);
      } catch (error) {
        if (error instanceof SequenceConflictError) return 'stale';
        throw error;
      }
      // The gap this event closed may release held events, in order.
      let pending = loaded.pending;
      for (let next = pending[0]; next && next.sequence <= after.version + 1; next = pending[0]) {
        pending = pending.slice(1);
        if (next.sequence <= after.version) continue; // a rival held a position that is now taken
        after = apply(after, next);
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
    loaded: Loaded,
    before: EnrollmentState | null,
    after: EnrollmentState | null,
    events: StoredEvent[],
    pending: EnrollmentEvent[],
  ): Promise<boolean> {
    const failedOp = after?.status === 'failed' ? 'add' : before?.status === 'failed' ? 'remove' : '';
    const failure = after?.failure;
    const meta: FailedEntry | null =
      after && failedOp === 'add' && failure
        ? {
            enrollmentId: after.id,
            failedAt: failure.failedAt,
            step: failure.step,
            code: failure.code,
            message: failure.message,
            retryable: failure.retryable,
            attempts: failure.attempts,
            batchId: after.batchId,
          }
        : null;
    // `v` only has to change on every write: the version, plus how many events are held back.
    const version = `${after?.version ?? 0}${pending.length ? `+${pending.length}` : ''}`;
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
        after ? tenantOf(after.request) : '',
      ],
    );
    return ok === 1;
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
  async listFailed(filter: FailedFilter = {}): Promise<FailedPage> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;
    const min = Math.max(
      filter.since !== undefined ? toMillis(filter.since) : -Infinity,
      after ? after.score : -Infinity,
    );
    const max = filter.until !== undefined ? toMillis(filter.until) : Infinity;
    const minArg = min === -Infinity ? '-inf' : String(min);
    const maxArg = max === Infinity ? '+inf' : String(max);
    const chunk = Math.max(limit * 2, 200);
    const items: FailedEntry[] = [];
    let last: { score: number; id: string } | null = null;
    for (let offset = 0; items.length < limit; offset += chunk) {
      const flat = await this.redis.zrangebyscore(
        this.failedKey,
        minArg,
        maxArg,
        'WITHSCORES',
        'LIMIT',
        offset,
        chunk,
      );
      if (flat.length === 0) break;
      // WITHSCORES interleaves member and score.
      const entries = flat.flatMap((id, i) => (i % 2 === 0 ? [{ id, score: Number(flat[i + 1]) }] : []));
      const metas = await this.redis.hmget(this.failedMetaKey, ...entries.map((e) => e.id));
      for (const [i, { id, score }] of entries.entries()) {
        if (items.length >= limit) break;
        // Same-score members come in lexicographic order, so (score, id) is a total order for the cursor.
        if (after && (score < after.score || (score === after.score && id <= after.id))) continue;
        last = { score, id };
        const json = metas[i];
        if (!json) continue;
        const meta = JSON.parse(json) as FailedEntry;
        if (filter.step !== undefined && meta.step !== filter.step) continue;
        if (filter.code !== undefined && meta.code !== filter.code) continue;
        if (filter.batchId !== undefined && meta.batchId !== filter.batchId) continue;
        if (filter.retryable !== undefined && meta.retryable !== filter.retryable) continue;
        items.push(meta);
      }
      if (entries.length < chunk) break;
    }
    return { items, nextCursor: items.length === limit && last ? encodeCursor(last) : null };
  }
}

/** The record field, or the two JSON fields written before records were compressed (read during an upgrade). */
function readRecord(
  record?: Buffer | null,
  legacyState?: Buffer | null,
  legacyEvents?: Buffer | null,
): RecordContent | null {
  if (record && record.length > 0) return decodeRecord(record);
  if (!legacyState || !legacyEvents) return null;
  return {
    state: JSON.parse(legacyState.toString('utf8')) as PackedState,
    events: JSON.parse(legacyEvents.toString('utf8')) as StoredEvent[],
  };
}

function parsePending(json: string, options: ParseOptions): EnrollmentEvent[] {
  return (JSON.parse(json) as unknown[]).map((raw) => parseEvent(raw, options) as EnrollmentEvent);
}

function encodeCursor(c: { score: number; id: string }): string {
  return Buffer.from(JSON.stringify([c.score, c.id])).toString('base64url');
}

function decodeCursor(cursor: string): { score: number; id: string } {
  try {
    const [score, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (typeof score === 'number' && typeof id === 'string') return { score, id };
  } catch {
    // fall through
  }
  throw new InvalidCursorError('invalid cursor');
}

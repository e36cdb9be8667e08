import type { Redis } from 'ioredis';
import { InvalidCursorError } from '../../errors.js';
import type { Step, EnrollmentState } from '@verified-onboard/events';

// The index of failed enrollments: a sorted set by failure time and a hash of their entries, written by the
// apply script with the enrollment, read by listFailed.

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

/** The two keys of the index in one keyspace. */
export interface FailedIndexKeys {
  failed: string;
  meta: string;
}

export function toMillis(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(value)}`);
  return ms;
}

/** The index entry of an enrollment that just failed; null when `after` is not a failure being added. */
export function failedEntryOf(after: EnrollmentState | null, failedOp: string): FailedEntry | null {
  const failure = after?.failure;
  return after && failedOp === 'add' && failure
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
}

/** Failed enrollments, oldest failure first, filtered; page with `cursor`. */
export async function listFailed(
  redis: Redis,
  keys: FailedIndexKeys,
  filter: FailedFilter = {},
): Promise<FailedPage> {
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
    const flat = await redis.zrangebyscore(keys.failed, minArg, maxArg, 'WITHSCORES', 'LIMIT', offset, chunk);
    if (flat.length === 0) break;
    // WITHSCORES interleaves member and score.
    const entries = flat.flatMap((id, i) => (i % 2 === 0 ? [{ id, score: Number(flat[i + 1]) }] : []));
    const metas = await redis.hmget(keys.meta, ...entries.map((e) => e.id));
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

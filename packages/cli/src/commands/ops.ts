import type { ApiClient } from '../api-client.js';
import { ExitCode, UsageError } from '../errors.js';
import { table, type Io } from '../output.js';

export interface FailedFilter {
  step?: string;
  code?: string;
  batchId?: string;
  since?: string;
  until?: string;
  retryable?: boolean;
}

interface FailedItem {
  enrollmentId: string;
  batchId?: string | null;
  step: string;
  code: string;
  message: string;
  retryable: boolean;
  attempts: number;
  failedAt: string;
}

/** `failed list`: one page, or every page with --all. */
export async function failedList(api: ApiClient, io: Io, filter: FailedFilter, opts: { limit?: number; cursor?: string; all: boolean; json: boolean }): Promise<number> {
  const items: FailedItem[] = [];
  let cursor = opts.cursor;
  let nextCursor: string | null = null;
  do {
    const page = await api.get<{ items: FailedItem[]; nextCursor: string | null }>('/v1/ops/failed', { ...filter, limit: opts.limit, cursor });
    items.push(...page.items);
    nextCursor = page.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (opts.all && nextCursor);
  if (opts.json) io.out(JSON.stringify({ items, nextCursor }));
  else {
    io.out(table(items as unknown as Array<Record<string, unknown>>, ['enrollmentId', 'batchId', 'step', 'code', 'retryable', 'attempts', 'failedAt', 'message']));
    if (nextCursor) io.out(`more: --cursor ${nextCursor}`);
  }
  return ExitCode.ok;
}

/** `failed retry`: by ids, or by the same filters as the list (at least one selector is required). */
export async function failedRetry(api: ApiClient, io: Io, selector: FailedFilter & { enrollmentIds?: string[] }, json: boolean): Promise<number> {
  const { retryable: _ignored, ...body } = selector;
  if (Object.values(body).every((v) => v === undefined)) {
    throw new UsageError('failed retry needs --id or at least one filter (--step, --code, --batch, --since, --until)');
  }
  const result = await api.post<{ retried: number }>('/v1/ops/failed/retry', body);
  io.out(json ? JSON.stringify(result) : `retried ${result.retried} enrollment(s)`);
  return ExitCode.ok;
}

/** `replay`: re-drive stuck or failed enrollments from the event log. */
export async function replay(api: ApiClient, io: Io, selector: { enrollmentIds?: string[]; since?: string; until?: string; dryRun: boolean }, json: boolean): Promise<number> {
  const result = await api.post<Record<string, unknown>>('/v1/ops/replay', selector);
  io.out(json ? JSON.stringify(result) : table(Object.entries(result).map(([field, value]) => ({ field, value })), ['field', 'value']));
  return ExitCode.ok;
}

/** `projections rebuild`: rebuild the read model from offset zero and switch over. */
export async function rebuildProjections(api: ApiClient, io: Io, json: boolean): Promise<number> {
  const result = await api.post<Record<string, unknown>>('/v1/ops/projections/rebuild', {});
  io.out(json ? JSON.stringify(result) : table(Object.entries(result).map(([field, value]) => ({ field, value })), ['field', 'value']));
  return ExitCode.ok;
}

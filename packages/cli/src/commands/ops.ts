import type { ApiClient } from '../api-client.js';
import { ExitCode, UsageError } from '../errors.js';
import { table, type Io } from '../output.js';

/** Filters as parsed from the command line: an option not given is undefined, and is not sent. */
export interface FailedFilter {
  step?: string | undefined;
  code?: string | undefined;
  batchId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  retryable?: boolean | undefined;
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
export async function failedList(
  api: ApiClient,
  io: Io,
  filter: FailedFilter,
  opts: { limit?: number | undefined; cursor?: string | undefined; all: boolean; json: boolean },
): Promise<number> {
  const items: FailedItem[] = [];
  let cursor = opts.cursor;
  let nextCursor: string | null = null;
  do {
    const page = await api.get<{ items: FailedItem[]; nextCursor: string | null }>('/v1/ops/failed', {
      ...filter,
      limit: opts.limit,
      cursor,
    });
    items.push(...page.items);
    nextCursor = page.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (opts.all && nextCursor);
  if (opts.json) io.out(JSON.stringify({ items, nextCursor }));
  else {
    io.out(
      table(items as unknown as Array<Record<string, unknown>>, [
        'enrollmentId',
        'batchId',
        'step',
        'code',
        'retryable',
        'attempts',
        'failedAt',
        'message',
      ]),
    );
    if (nextCursor) io.out(`more: --cursor ${nextCursor}`);
  }
  return ExitCode.ok;
}

/** `failed retry`: by ids, or by the same filters as the list (at least one selector is required). */
export async function failedRetry(
  api: ApiClient,
  io: Io,
  selector: FailedFilter & { enrollmentIds?: string[] | undefined },
  json: boolean,
): Promise<number> {
  const { retryable: _ignored, enrollmentIds, ...filter } = selector;
  const defined = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
  if (!enrollmentIds?.length && Object.keys(defined).length === 0) {
    throw new UsageError(
      'failed retry needs --id or at least one filter (--step, --code, --batch, --since, --until)',
    );
  }
  if (enrollmentIds?.length && Object.keys(defined).length > 0)
    throw new UsageError('failed retry takes --id or filters, not both');
  const body = enrollmentIds?.length ? { ids: enrollmentIds } : { filter: defined };
  const result = await api.post<{ retried: number }>('/v1/ops/failed/retry', body);
  io.out(json ? JSON.stringify(result) : `retried ${result.retried} enrollment(s)`);
  return ExitCode.ok;
}

/**
 * `replay`: re-drive stuck or failed enrollments from the event log. The api runs it in the background; this
 * follows its progress (one line per change on stderr) until it finished, unless `--no-wait`.
 */
export async function replay(
  api: ApiClient,
  io: Io,
  selector: {
    enrollmentIds?: string[] | undefined;
    batchId?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
    dryRun: boolean;
  },
  opts: { json: boolean; wait: boolean; intervalMs: number },
): Promise<number> {
  const { enrollmentIds, ...rest } = selector;
  const body = Object.fromEntries(
    Object.entries({ ...rest, ids: enrollmentIds?.length ? enrollmentIds : undefined }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  type Status = { id?: string; state?: string; enrollments?: number } & Record<string, unknown>;
  let result = await api.post<Status>('/v1/ops/replay', body);
  let shown = -1;
  while (opts.wait && result.state === 'running' && result.id) {
    if (!opts.json && result.enrollments !== shown) {
      shown = result.enrollments ?? 0;
      io.err(`replay ${result.id}: running, ${shown} enrollments selected so far`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    result = await api.get<Status>(`/v1/ops/replays/${encodeURIComponent(result.id)}`);
  }
  const json = opts.json;
  io.out(
    json
      ? JSON.stringify(result)
      : table(
          Object.entries(result).map(([field, value]) => ({ field, value })),
          ['field', 'value'],
        ),
  );
  return result.state === 'failed' ? ExitCode.apiError : ExitCode.ok;
}

/** `projections rebuild`: rebuild the read model from offset zero, wait until it has switched over. */
export async function rebuildProjections(
  api: ApiClient,
  io: Io,
  opts: { wait: boolean; json: boolean; intervalMs: number },
): Promise<number> {
  let result = await api.post<{ state?: string } & Record<string, unknown>>(
    '/v1/ops/projections/rebuild',
    {},
  );
  while (opts.wait && result.state === 'running') {
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    result = await api.get<{ state?: string } & Record<string, unknown>>('/v1/ops/projections/rebuild');
  }
  io.out(
    opts.json
      ? JSON.stringify(result)
      : table(
          Object.entries(result).map(([field, value]) => ({ field, value })),
          ['field', 'value'],
        ),
  );
  return result.state === 'failed' ? ExitCode.apiError : ExitCode.ok;
}

interface DeadLetterItem {
  offset: string;
  key: string | null;
  at: string;
  reason: string | null;
  error: string | null;
  attempts: number | null;
  sourceTopic: string | null;
  type: string | null;
}

/** `dead-letters list`: one page of the dead-letter topic (why and where from, never the content). */
export async function deadLettersList(
  api: ApiClient,
  io: Io,
  opts: { from?: string | undefined; limit?: number | undefined; json: boolean },
): Promise<number> {
  const query = new URLSearchParams();
  if (opts.from !== undefined) query.set('from', opts.from);
  if (opts.limit !== undefined) query.set('limit', String(opts.limit));
  const page = await api.get<{ items: DeadLetterItem[]; nextOffset: string | null }>(
    `/v1/ops/dead-letters${query.size ? `?${query.toString()}` : ''}`,
  );
  if (opts.json) io.out(JSON.stringify(page));
  else {
    io.out(
      table(
        page.items.map((i) => ({ ...i, attempts: i.attempts ?? '' })),
        ['offset', 'at', 'reason', 'error', 'attempts', 'sourceTopic', 'type', 'key'],
      ),
    );
    if (page.nextOffset !== null) io.err(`more: --from ${page.nextOffset}`);
  }
  return ExitCode.ok;
}

/** `dead-letters redrive --offset N ...`: publish them again to their source topic (audited by the api). */
export async function deadLettersRedrive(
  api: ApiClient,
  io: Io,
  offsets: string[],
  json: boolean,
): Promise<number> {
  if (offsets.length === 0) throw new UsageError('give at least one --offset');
  const result = await api.post<{ redriven: string[]; missing: string[] }>('/v1/ops/dead-letters/redrive', {
    offsets,
  });
  io.out(
    json
      ? JSON.stringify(result)
      : `redriven: ${result.redriven.join(' ') || '-'}\nmissing: ${result.missing.join(' ') || '-'}`,
  );
  return result.missing.length ? ExitCode.incomplete : ExitCode.ok;
}

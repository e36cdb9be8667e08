import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { ApiClient } from '../api-client.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { table, type Io } from '../output.js';
import { progressLine, settledCount, type BatchView } from '../progress.js';

export interface SubmitOptions {
  file: string;
  /** Options not given on the command line are undefined. */
  format?: string | undefined;
  batchId?: string | undefined;
  wait: boolean;
  timeoutSec: number;
  intervalMs: number;
  json: boolean;
  /** Also write the final summary as JSON to this file (progress stays on the terminal). */
  reportFile?: string | undefined;
}

interface BatchAccepted {
  batchId: string;
  accepted: number;
  rejected: Array<{ line: number; code: string; field?: string; message: string }>;
  rejectedCount?: number;
}

function contentType(file: string, format?: string): string {
  const kind = format ?? extname(file).slice(1).toLowerCase();
  if (kind === 'ndjson' || kind === 'jsonl') return 'application/x-ndjson';
  if (kind === 'csv') return 'text/csv';
  throw new UsageError(`cannot tell the format of ${file}: use .ndjson/.jsonl/.csv or --format ndjson|csv`);
}

/** Streams the file to the batch endpoint, then follows the batch until every enrollment is terminal. */
export async function submit(api: ApiClient, io: Io, options: SubmitOptions): Promise<number> {
  const started = Date.now();
  // Your name for the batch: the api derives the batch id from it, so submitting again with it resumes the batch.
  const headers: Record<string, string> = options.batchId ? { 'idempotency-key': options.batchId } : {};
  const accepted = await api.postFile<BatchAccepted>(
    '/v1/enrollments/batch',
    options.file,
    contentType(options.file, options.format),
    headers,
  );
  const rejectedCount = accepted.rejectedCount ?? accepted.rejected.length;
  if (!options.json) {
    io.out(`batch ${accepted.batchId}: ${accepted.accepted} accepted, ${rejectedCount} rejected`);
    if (rejectedCount > 0)
      io.out(table(accepted.rejected.slice(0, 20), ['line', 'code', 'field', 'message']));
  }
  if (!options.wait) {
    if (options.json) io.out(JSON.stringify({ ...accepted, rejectedCount }));
    return rejectedCount > 0 ? ExitCode.incomplete : ExitCode.ok;
  }

  const deadline = started + options.timeoutSec * 1000;
  let batch: BatchView = { batchId: accepted.batchId, total: 0, byStatus: {} };
  let lastLine = '';
  for (;;) {
    batch = await api.get<BatchView>(`/v1/batches/${encodeURIComponent(accepted.batchId)}`);
    const line = progressLine(batch, accepted.accepted);
    if (!options.json && line !== lastLine) {
      // On a terminal the bar redraws in place; in a pipe each change is its own line.
      if (io.isTTY) io.out(`\r${line}\x1b[K`.replace(/\n$/, ''));
      else io.out(line);
      lastLine = line;
    }
    if (settledCount(batch) >= accepted.accepted) break;
    if (Date.now() > deadline) {
      throw new CliError(
        `batch ${accepted.batchId} not finished after ${options.timeoutSec}s: ${line}`,
        ExitCode.timeout,
        'timeout',
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
  const completed = batch.byStatus.completed ?? 0;
  const summary = {
    batchId: accepted.batchId,
    accepted: accepted.accepted,
    rejectedCount,
    byStatus: batch.byStatus,
    durationMs: Date.now() - started,
  };
  if (options.reportFile) writeFileSync(options.reportFile, JSON.stringify(summary, null, 2));
  if (options.json) io.out(JSON.stringify(summary));
  else {
    if (io.isTTY) io.out('');
    io.out(
      table(
        Object.entries(batch.byStatus).map(([status, count]) => ({ status, count })),
        ['status', 'count'],
      ),
    );
    io.out(`done in ${(summary.durationMs / 1000).toFixed(1)}s`);
  }
  return completed === accepted.accepted && rejectedCount === 0 ? ExitCode.ok : ExitCode.incomplete;
}

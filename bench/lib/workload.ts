import { HEADERS } from '@verified-onboard/contracts';
import type { BenchApp } from '../stack/bench-app.js';
import { BenchError } from './errors.js';

/** An NDJSON batch body of `size` capture enrollments (one person per line, like an operator's export). */
export function ndjsonBatch(runTag: string, size: number, fields: Record<string, unknown> = {}): string {
  const lines: string[] = [];
  for (let i = 1; i <= size; i++) {
    lines.push(
      JSON.stringify({
        accountNumber: `${runTag}-${i}`,
        displayName: `Bench Person ${i}`,
        email: `person${i}@example.com`,
        // Per run and batch: the api refuses an externalRef its tenant used in the last 24 h.
        externalRef: `${runTag}-ref-${i}`,
        ...fields,
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/** Submits a batch through the api; returns the batch id the api chose and the submit duration. */
export async function submitBatch(
  app: BenchApp,
  body: string,
  clientBatchId: string,
): Promise<{ batchId: string; accepted: number; ms: number }> {
  const started = performance.now();
  const result = await app.api<{ batchId: string; accepted: number; rejectedCount: number }>(
    '/v1/enrollments/batch',
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', [HEADERS.idempotencyKey]: clientBatchId },
      body,
    },
  );
  const ms = performance.now() - started;
  if (result.rejectedCount > 0)
    throw new BenchError('http', `the api rejected ${result.rejectedCount} bench lines`);
  return { batchId: result.batchId, accepted: result.accepted, ms };
}

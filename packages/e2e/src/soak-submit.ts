import { HEADERS } from '@verified-onboard/contracts';
import { Readable } from 'node:stream';
import { waitFor } from '@verified-onboard/devstack';
import { HttpStatusError, type E2eStack, type Say } from './e2e-stack.js';

function* ndjsonLines(size: number, accountPrefix: string): Generator<string> {
  for (let i = 1; i <= size; i++) {
    yield `${JSON.stringify({ accountNumber: `${accountPrefix}${i}`, displayName: `Soak Person ${i}`, email: `soak${i}@example.com`, timeoutSec: 120, externalRef: `${accountPrefix}ref-${i}` })}\n`;
  }
}

/**
 * Streams the batch to the api. A 503 or 502 (Kafka did not acknowledge) or a refused connection is answered by
 * resubmitting under the same Idempotency-Key, which resumes the batch: lines already published keep their
 * enrollment ids and are not published again. The externalRefs are per run (the api dedupes them for 24 h).
 */
export async function submitSoakBatch(
  stack: E2eStack,
  size: number,
  accountPrefix: string,
  clientBatchKey: string,
  say: Say,
) {
  return waitFor(
    'the batch accepted by the api',
    async () => {
      try {
        const body = Readable.toWeb(
          Readable.from(ndjsonLines(size, accountPrefix)),
        ) as ReadableStream<Uint8Array>;
        return await stack.api<{ batchId: string; accepted: number; rejectedCount: number }>(
          '/v1/enrollments/batch',
          {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-ndjson', [HEADERS.idempotencyKey]: clientBatchKey },
            duplex: 'half',
          },
        );
      } catch (error) {
        // 503: nothing accepted; 502: part accepted; 429: the dropped attempt still holds its slot for a moment.
        if (error instanceof HttpStatusError && ![429, 502, 503].includes(error.status)) throw error;
        say(`batch upload: ${(error as Error).message.slice(0, 120)}; resubmitting under the same batch id`);
        return null;
      }
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
}

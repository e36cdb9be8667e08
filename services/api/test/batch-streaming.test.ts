import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchAcceptedSchema } from '../src/routes/batches.js';
import { AUTH, messageCount, startTestApp, type TestApp } from './support/harness.js';

const LINES = 100_000;
// A collectable heap makes the retained-memory figure meaningful (RSS alone includes garbage not yet collected).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
let t: TestApp;
let baseUrl: string;

beforeAll(async () => {
  t = await startTestApp('batch-streaming');
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => t?.close());

/** 100k NDJSON lines produced on demand: neither the client nor the test ever holds the whole body. */
function lazyBatch(lines: number): Readable {
  let line = 0;
  return new Readable({
    read() {
      const parts: string[] = [];
      for (let i = 0; i < 500 && line < lines; i++, line++) {
        parts.push(
          JSON.stringify({
            displayName: `Person ${line}`,
            accountNumber: `stream-${line}`,
            externalRef: `ref-${line}`,
          }),
        );
      }
      this.push(parts.length > 0 ? `${parts.join('\n')}\n` : null);
    },
  });
}

it(`streams a ${LINES}-line NDJSON batch into Kafka without buffering it`, async () => {
  gc();
  const before = process.memoryUsage();
  const started = Date.now();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let peakLive = before.heapUsed;
  let ticks = 0;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
    // What the batch holds, not what V8 has yet to collect: the heap right after a full collection.
    if (++ticks % 5 === 0) {
      gc();
      peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    }
  }, 50);
  const body = lazyBatch(LINES);
  const bodyBytes = { n: 0 };
  body.on('data', (chunk: Buffer) => (bodyBytes.n += chunk.length));
  try {
    const response = await fetch(`${baseUrl}/v1/enrollments/batch`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/x-ndjson' },
      body: Readable.toWeb(body),
      duplex: 'half',
    });
    const result = batchAcceptedSchema.parse(await response.json());
    expect(response.status).toBe(202);
    expect(result).toMatchObject({ accepted: LINES, rejectedCount: 0 });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (Date.now() - started) / 1000;
  gc();
  const heapGrowthMb = (process.memoryUsage().heapUsed - before.heapUsed) / 1024 / 1024;
  const growthMb = (peakRss - before.rss) / 1024 / 1024;
  const liveGrowthMb = (peakLive - before.heapUsed) / 1024 / 1024;
  const bodyMb = bodyBytes.n / 1024 / 1024;
  // Reported for the record. Client and server share this process, so peak RSS includes both sides' garbage.
  console.info(
    `batch of ${LINES} lines (${bodyMb.toFixed(1)} MB) in ${seconds.toFixed(1)} s: peak RSS growth ${growthMb.toFixed(1)} MB, ` +
      `peak heap growth ${((peakHeap - before.heapUsed) / 1024 / 1024).toFixed(1)} MB (live ${liveGrowthMb.toFixed(1)} MB), ` +
      `heap retained after GC ${heapGrowthMb.toFixed(1)} MB`,
  );
  // Buffering the 100k events built from the body would hold well over 100 MB live; streaming holds the chunks in
  // flight. The peak including garbage is only reported: it is where V8 chooses to collect (about four times the
  // live heap after the last full collection), so it says more about the GC's pacing than about the batch.
  expect(liveGrowthMb).toBeLessThan(30);
  expect(heapGrowthMb).toBeLessThan(bodyMb);
  // RSS also counts Kafka/socket buffers and garbage of both client and server sides, hence the looser bound.
  expect(growthMb).toBeLessThan(300);
  expect(await messageCount(t.kafka, t.topics.enrollmentEvents)).toBe(LINES);
}, 180_000);

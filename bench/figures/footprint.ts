// Figure "footprint": Redis bytes and worker RSS per pending enrollment, with 100,000 people who never finish
// (each one a started capture and a parked poll). Baseline: the Redis bytes of a bare BullMQ delayed job
// carrying the same poll data, measured on the same server in the same run (what a pending poll costs as a
// delayed job, which is how the worker kept them before ParkedPolls).
import { randomUUID } from 'node:crypto';
import { parseQueuePrefix } from '@verified-onboard/contracts';
import { sleep, waitFor } from '@verified-onboard/devstack';
import { ENROLLMENT_FIELDS, workerKeys } from '../../services/worker/src/keys.js';
import { createRedis } from '@verified-onboard/adapters';
import { STEPS } from '@verified-onboard/events';
import { bullmq, type Redis } from '../deps.js';
import * as bench from '../harness.js';
import { addStepJobs, STEPS_QUEUE } from '../raw-jobs.js';
import { round } from '../stats.js';

const TARGET_BYTES = 2048;
/**
 * The poll interval while pending. At the default 5 s, 100k pending people ask for 20k status calls a second,
 * far beyond two cores: polls (priority 3) would starve the begins (priority 4) and the set would never be
 * complete. The bytes held per pending enrollment do not depend on the interval.
 */
const POLL_MS = String(3_600_000);

export async function footprintFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const { stack, say } = ctx;
  const size = bench.scaled(ctx, 100_000, 1000);
  await bench.figureScenario(ctx, { outcome: 'never', afterMs: 0 });
  const app = await bench.figureApp(ctx, 'footprint', {
    POLL_INITIAL_INTERVAL_MS: POLL_MS,
    POLL_MAX_INTERVAL_MS: POLL_MS,
    POLL_WEBHOOK_INTERVAL_MS: POLL_MS,
  });
  const connection = createRedis(stack.redisUrl, { maxRetriesPerRequest: null });
  const queue = new bullmq.Queue(STEPS_QUEUE, { connection, prefix: parseQueuePrefix(app.prefix).queue });
  const keys = workerKeys(app.prefix);
  let measured;
  try {
    // The freshly started processes finish their own startup writes (topics, offsets, registrations) first.
    await sleep(2000);
    const memoryBefore = await stack.usedMemory();
    const rssBefore = app.workerRss();
    say(`footprint: submitting ${size} enrollments that never finish`);
    const started = performance.now();
    const submitted = await bench.submitBatch(
      app,
      bench.ndjsonBatch(`fp-${stack.runId}`, size, { timeoutSec: 86_400 }),
      `footprint-${stack.runId}`,
    );
    let lastReport = 0;
    await waitFor(
      `all ${size} enrollments capture_pending with a parked poll`,
      async () => {
        const [status, counts, parked] = await Promise.all([
          app.batchStatus(submitted.batchId),
          queue.getJobCounts('delayed', 'prioritized', 'waiting', 'active'),
          stack.redis.zcard(keys.parkedPolls()),
        ]);
        const pending = status.byStatus.capture_pending ?? 0;
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          say(
            `footprint: ${pending}/${size} capture_pending, ${parked} parked polls after ${((performance.now() - started) / 1000).toFixed(0)} s`,
          );
        }
        return (
          pending >= size &&
          parked >= size &&
          !counts.active &&
          !counts.prioritized &&
          !counts.waiting &&
          !counts.delayed
        );
      },
      { timeoutMs: Math.max(900_000, size * 30), intervalMs: 1000 },
    );
    const settleSec = (performance.now() - started) / 1000;
    await sleep(2000); // projector offsets and the last acks land; nothing else is moving now
    const memoryAfter = await stack.usedMemory();
    const rssAfter = app.workerRss();
    say('footprint: sizing key families');
    const families = await keyFamilies(stack.redis, `${app.prefix}:`, size);
    measured = {
      memoryBefore,
      memoryAfter,
      rssBefore,
      rssAfter,
      settleSec,
      families,
      sampleData: await parkedPollData(stack.redis, app.prefix),
    };
  } finally {
    await queue.close();
    connection.disconnect();
    await app.stop();
  }

  const baselineJobs = Math.min(size, 10_000);
  say(`footprint: baseline, ${baselineJobs} bare BullMQ delayed jobs with the same data`);
  const rawPerJob = await rawDelayedJobBytes(ctx, baselineJobs, measured.sampleData);
  const perPending = (measured.memoryAfter - measured.memoryBefore) / size;
  const rssDelta =
    measured.rssAfter.reduce((a, b) => a + b, 0) - measured.rssBefore.reduce((a, b) => a + b, 0);
  return {
    figure: 'footprint',
    value: round(perPending, 0),
    unit: 'Redis bytes/pending enrollment',
    baseline: round(rawPerJob, 0),
    baselineUnit: 'Redis bytes/delayed job',
    baselineWhat: 'bare BullMQ delayed job with the same data and options',
    ratio: round(perPending / rawPerJob, 3),
    ratioWhat: 'pipeline bytes per pending ÷ bare delayed job bytes',
    target: `<= ${TARGET_BYTES} Redis bytes per pending enrollment`,
    pass: perPending <= TARGET_BYTES,
    size,
    details: {
      usedMemoryBefore: measured.memoryBefore,
      usedMemoryAfter: measured.memoryAfter,
      secondsUntilAllPending: round(measured.settleSec, 1),
      workerRssBefore: measured.rssBefore,
      workerRssAfter: measured.rssAfter,
      workerRssBytesPerPending: round(rssDelta / size, 1),
      pollIntervalMs: Number(POLL_MS),
      keyFamilies: measured.families,
    },
  };
}

/** Key families under the prefix (ids replaced by {id}) with count and bytes per pending enrollment (sampled MEMORY USAGE). */
async function keyFamilies(redis: Redis, prefix: string, size: number) {
  const families = new Map<string, { count: number; sample: string[] }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    for (const key of keys) {
      const family = key
        .slice(prefix.length)
        .split(':')
        .map((part) => (/\d/.test(part) && part.length >= 12 ? '{id}' : part))
        .join(':');
      let f = families.get(family);
      if (!f) families.set(family, (f = { count: 0, sample: [] }));
      f.count++;
      if (f.sample.length < 200) f.sample.push(key);
    }
  } while (cursor !== '0');
  const out: Record<string, { keys: number; bytesPerPending: number }> = {};
  for (const [family, f] of families) {
    let bytes = 0;
    for (const key of f.sample)
      bytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    out[family] = { keys: f.count, bytesPerPending: round(((bytes / f.sample.length) * f.count) / size, 1) };
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1].bytesPerPending - a[1].bytesPerPending));
}

/** One parked poll's data as the worker keeps it (services/worker ParkedPolls): its id and enrollment-hash fields. */
async function parkedPollData(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const keys = workerKeys(prefix);
  const [jobId] = await redis.zrange(keys.parkedPolls(), 0, 0);
  if (!jobId) return {};
  const enrollmentId = jobId.slice(0, jobId.indexOf('.poll.'));
  const { parkedCorrelation, parkedCausation, parkedRequestedAt, parkedPosition } = ENROLLMENT_FIELDS;
  const [pc, pa, pr, ps] = await redis.hmget(
    keys.stepBook(enrollmentId),
    parkedCorrelation,
    parkedCausation,
    parkedRequestedAt,
    parkedPosition,
  );
  return { jobId, pc: pc ?? '', pa: pa ?? '', pr: pr ?? '', ps: ps ?? '' };
}

async function rawDelayedJobBytes(ctx: bench.FigureContext, jobs: number, data: unknown): Promise<number> {
  const { stack } = ctx;
  const connection = createRedis(stack.redisUrl, { maxRetriesPerRequest: null });
  const queue = new bullmq.Queue(STEPS_QUEUE, { connection, prefix: 'rd' });
  try {
    await queue.waitUntilReady();
    const before = await stack.usedMemory();
    await addStepJobs(queue, jobs, {
      name: STEPS.poll,
      data: data ?? {},
      jobId: () => `${randomUUID()}.${STEPS.poll}.1`,
      delay: 3_600_000,
    });
    const after = await stack.usedMemory();
    return (after - before) / jobs;
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  }
}

// Figure "pipeline": enrollments completed per second end to end (from the batch POST to the last
// enrollment.completed event in the log), beside raw BullMQ no-op jobs per second on the
// same Redis in the same run. ratio = pipeline enrollments/s × jobs per enrollment ÷ raw jobs/s: the share of
// BullMQ's own capacity the pipeline keeps once every job does real work (upstream call, Redis, Kafka ack).
import { bullmq, ioredis } from '../deps.js';
import { topicNames } from '@verified-onboard/events';
import {
  delta,
  loadSample,
  percentile,
  ndjsonBatch,
  round,
  scaled,
  submitBatch,
  sum,
  waitFor,
  type FigureContext,
  type FigureResult,
  TerminalEventWatch,
} from '../harness.js';

const TARGET_RATIO = 0.25;
const STEPS_QUEUE = 'steps';

export async function pipelineFigure(ctx: FigureContext): Promise<FigureResult> {
  const { stack, say } = ctx;
  const size = scaled(ctx, 10_000, 100);
  const load = loadSample();
  const figureStarted = performance.now();
  // Everyone accepts at once and every webhook is delivered: the pipeline, not the users, sets the pace.
  await stack.emulatorScenario({
    user: { outcome: 'accept', afterMs: 0, mix: null },
    latencyMs: { min: 0, max: 0 },
    webhook: { enabled: true, dropRate: 0 },
    faults: {},
  });
  const app = await stack.app(
    'pipeline',
    { workers: ctx.workers, workerNodeArgs: ctx.workerNodeArgs },
    ctx.workerEnv,
  );
  let pipeline;
  try {
    const statsBefore = await stack.emulatorStats();
    const commandsBefore = await stack.commandCalls();
    const jobsBefore = await app.jobsProcessed();
    say(`pipeline: submitting ${size} enrollments`);
    const clientBatchId = `pipeline-${stack.runId}`;
    const startedWall = Date.now();
    const started = performance.now();
    const submitted = await submitBatch(
      app,
      ndjsonBatch(`pipe-${stack.runId}`, size, { timeoutSec: 3600 }),
      clientBatchId,
    );
    // Completion is read from the event log (the source of truth); the api's view lags by the projection.
    const watch = await TerminalEventWatch.start(
      stack.kafka,
      topicNames(app.topicPrefix).enrollmentEvents,
      submitted.batchId,
    );
    let lastReport = 0;
    let logDoneSec = 0;
    let final;
    try {
      final = await waitFor(
        'every pipeline enrollment terminal in the log and in the read model',
        async () => {
          if (!logDoneSec && watch.count() >= size) logDoneSec = (performance.now() - started) / 1000;
          const status = await app.batchStatus(submitted.batchId);
          const by = status.byStatus;
          const terminal =
            (by.completed ?? 0) +
            (by.rejected ?? 0) +
            (by.expired ?? 0) +
            (by.errored ?? 0) +
            (by.canceled ?? 0) +
            (by.failed ?? 0);
          if (performance.now() - lastReport > 10_000) {
            lastReport = performance.now();
            say(
              `pipeline: ${watch.count('enrollment.completed.v1')}/${size} completed in the log, ${by.completed ?? 0} in the read model after ${((performance.now() - started) / 1000).toFixed(0)} s`,
            );
          }
          return logDoneSec && terminal >= size ? status : undefined;
        },
        Math.max(900_000, size * 200),
        200,
      );
    } finally {
      await watch.stop();
    }
    const readModelSec = (performance.now() - started) / 1000;
    const seconds = (watch.lastTerminalAt() - startedWall) / 1000;
    const completed = watch.count('enrollment.completed.v1');
    const latencies = watch.latencies();
    const jobs = delta(await app.jobsProcessed(), jobsBefore);
    const commands = delta(await stack.commandCalls(), commandsBefore);
    const statsAfter = await stack.emulatorStats();
    const calls = delta(statsAfter.calls, statsBefore.calls);
    const jobsPerEnrollment = sum(jobs) / Math.max(1, completed);
    const sampleData = await sampleJobData(stack.redisUrl, app.prefix);
    pipeline = {
      seconds,
      readModelSec,
      latencyP50: percentile(latencies, 50),
      latencyP95: percentile(latencies, 95),
      completed,
      byStatus: final.byStatus,
      submitSec: submitted.ms / 1000,
      jobs,
      jobsPerEnrollment,
      commands,
      calls,
      webhooks: {
        sent: statsAfter.webhooks.sent - statsBefore.webhooks.sent,
        failed: statsAfter.webhooks.failed - statsBefore.webhooks.failed,
      },
      sampleData,
      workerRss: app.workerRss(),
    };
  } finally {
    await app.stop();
  }

  const rawJobs = Math.max(1000, Math.round(sum(pipeline.jobs)));
  say(`pipeline: baseline, ${rawJobs} raw BullMQ no-op jobs`);
  const raw = await rawBullmq(ctx, rawJobs, pipeline.sampleData);
  const rate = pipeline.completed / pipeline.seconds;
  const ratio = (rate * pipeline.jobsPerEnrollment) / raw.jobsPerSec;
  const perEnrollment = (m: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(m)
        .slice(0, 15)
        .map(([k, v]) => [k, round(v / Math.max(1, pipeline.completed))]),
    );
  return {
    figure: 'pipeline',
    value: round(rate),
    unit: 'enrollments/s',
    baseline: round(raw.jobsPerSec),
    baselineUnit: 'jobs/s',
    baselineWhat: `raw BullMQ no-op jobs (same Redis, same job options, concurrency ${raw.concurrency} × ${ctx.workers} worker(s))`,
    ratio: round(ratio, 3),
    ratioWhat: 'enrollments/s × jobs per enrollment ÷ raw jobs/s',
    target: `ratio >= ${TARGET_RATIO}`,
    pass: ratio >= TARGET_RATIO,
    size,
    durationSec: round((performance.now() - figureStarted) / 1000, 1),
    load: { start: load, end: loadSample() },
    details: {
      completed: pipeline.completed,
      byStatus: pipeline.byStatus,
      wallSec: round(pipeline.seconds, 1),
      wallSecUntilReadModelShowsAll: round(pipeline.readModelSec, 1),
      readModelEnrollmentsPerSec: round(pipeline.completed / pipeline.readModelSec),
      latencyP50Sec: round(pipeline.latencyP50, 1),
      latencyP95Sec: round(pipeline.latencyP95, 1),
      batchSubmitSec: round(pipeline.submitSec, 2),
      jobsPerEnrollment: round(pipeline.jobsPerEnrollment),
      jobsByOutcome: pipeline.jobs,
      upstreamCallsPerEnrollment: round(sum(pipeline.calls) / Math.max(1, pipeline.completed)),
      upstreamCalls: pipeline.calls,
      webhooks: pipeline.webhooks,
      redisCommandsPerEnrollment: round(sum(pipeline.commands) / Math.max(1, pipeline.completed), 1),
      redisCommandsPerEnrollmentTop: perEnrollment(pipeline.commands),
      workerRssBytes: pipeline.workerRss,
      rawJobs: raw.jobs,
      rawSec: round(raw.seconds, 2),
      rawRedisCommandsPerJob: round(raw.commandsPerJob, 1),
    },
  };
}

/** The data of one real step job, so the raw jobs carry a payload of the same size. */
async function sampleJobData(redisUrl: string, prefix: string): Promise<unknown> {
  const connection = new ioredis.Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new bullmq.Queue(STEPS_QUEUE, { connection, prefix });
  try {
    const [job] = await queue.getJobs(['completed'], 0, 0);
    return job?.data ?? { enrollmentId: 'sample' };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Raw BullMQ: `jobs` no-op jobs, added first (not timed), then processed by as many Worker instances with the
 * worker's concurrency; timed from the first worker's start to the last completion.
 */
async function rawBullmq(ctx: FigureContext, jobs: number, data: unknown) {
  const { stack } = ctx;
  const prefix = 'rb';
  // The worker's default concurrency (services/worker/src/config.ts), so both sides run the same number of jobs at once.
  const concurrency = Number(ctx.workerEnv.WORKER_CONCURRENCY ?? process.env.WORKER_CONCURRENCY ?? 128);
  const connections: Array<InstanceType<typeof ioredis.Redis>> = [];
  const connection = () => {
    const c = new ioredis.Redis(stack.redisUrl, { maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };
  const queue = new bullmq.Queue(STEPS_QUEUE, { connection: connection(), prefix });
  const workers: Array<{ close(): Promise<void> }> = [];
  try {
    // The options a step job gets (services/worker/src/queues/steps-queue.ts): priority, attempts, retention.
    const opts = {
      priority: 3,
      attempts: 8,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 14 * 24 * 3600 },
    };
    for (let i = 0; i < jobs; i += 1000) {
      const n = Math.min(1000, jobs - i);
      await queue.addBulk(
        Array.from({ length: n }, (_, j) => ({
          name: 'noop',
          data,
          opts: { ...opts, jobId: `raw.${i + j}` },
        })),
      );
    }
    const commandsBefore = await stack.commandCalls();
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    const started = performance.now();
    for (let i = 0; i < ctx.workers; i++) {
      const worker = new bullmq.Worker(STEPS_QUEUE, async () => undefined, {
        connection: connection(),
        prefix,
        concurrency,
      });
      worker.on('completed', () => {
        if (++done === jobs) finish();
      });
      workers.push(worker);
    }
    await Promise.race([
      all,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('raw BullMQ baseline did not finish in 10 min')), 600_000).unref(),
      ),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const commands = delta(await stack.commandCalls(), commandsBefore);
    return { jobs, seconds, jobsPerSec: jobs / seconds, concurrency, commandsPerJob: sum(commands) / jobs };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    for (const c of connections) c.disconnect();
  }
}

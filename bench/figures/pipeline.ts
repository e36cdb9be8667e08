// Figure "pipeline": enrollments completed per second end to end (from the batch POST to the last
// enrollment.completed event in the log), beside raw BullMQ no-op jobs per second on the
// same Redis in the same run. ratio = pipeline enrollments/s × jobs per enrollment ÷ raw jobs/s: the share of
// BullMQ's own capacity the pipeline keeps once every job does real work (upstream call, Redis, Kafka ack).
import { waitFor } from '@verified-onboard/devstack';
import { topicNames } from '@verified-onboard/events';
import { bullmq, ioredis } from '../deps.js';
import * as bench from '../harness.js';
import { addStepJobs, STEPS_QUEUE } from '../raw-jobs.js';
import { delta, percentile, round, sum } from '../stats.js';

const TARGET_RATIO = 0.25;

export async function pipelineFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const { stack, say } = ctx;
  const size = bench.scaled(ctx, 10_000, 100);
  // Everyone accepts at once and every webhook is delivered: the pipeline, not the users, sets the pace.
  await bench.figureScenario(ctx, { outcome: 'accept', afterMs: 0 });
  const app = await bench.figureApp(ctx, 'pipeline');
  let pipeline;
  try {
    const statsBefore = await stack.emulatorStats();
    const commandsBefore = await stack.commandCalls();
    const jobsBefore = await app.jobsProcessed();
    say(`pipeline: submitting ${size} enrollments`);
    const clientBatchId = `pipeline-${stack.runId}`;
    const startedWall = Date.now();
    const started = performance.now();
    const submitted = await bench.submitBatch(
      app,
      bench.ndjsonBatch(`pipe-${stack.runId}`, size, { timeoutSec: 3600 }),
      clientBatchId,
    );
    // Completion is read from the event log (the source of truth); the api's view lags by the projection.
    const watch = await bench.TerminalEventWatch.start(
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
        { timeoutMs: Math.max(900_000, size * 200), intervalMs: 200 },
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
    ratioWhat: 'enrollments/s × jobs per enrollment ÷ raw jobs/s',
    ...bench.ratioTarget(ratio, TARGET_RATIO),
    size,
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
async function rawBullmq(ctx: bench.FigureContext, jobs: number, data: unknown) {
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
    await addStepJobs(queue, jobs, { name: 'noop', data, jobId: (i) => `raw.${i}` });
    const commandsBefore = await stack.commandCalls();
    let done = 0;
    let finishedAt = 0;
    const started = performance.now();
    for (let i = 0; i < ctx.workers; i++) {
      const worker = new bullmq.Worker(STEPS_QUEUE, () => Promise.resolve(), {
        connection: connection(),
        prefix,
        concurrency,
      });
      // Timed at the last completion itself, not when the wait below notices it.
      worker.on('completed', () => {
        if (++done === jobs) finishedAt = performance.now();
      });
      workers.push(worker);
    }
    await waitFor('the raw BullMQ baseline to finish', () => finishedAt > 0, { timeoutMs: 600_000 });
    const seconds = (finishedAt - started) / 1000;
    const commands = delta(await stack.commandCalls(), commandsBefore);
    return { jobs, seconds, jobsPerSec: jobs / seconds, concurrency, commandsPerJob: sum(commands) / jobs };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    for (const c of connections) c.disconnect();
  }
}

// The pipeline run the figures `pipeline`, `redis_commands` and `cpu` share: 10,000 enrollments end to end
// (everyone accepts at once, webhooks on) on the figure's own api and workers, then as many raw BullMQ no-op
// jobs on the same Redis. Measured once per bench run, whichever of those figures asks first: the throughput,
// the Redis commands and the CPU of one run belong together.
import { parseQueuePrefix } from '@verified-onboard/contracts';
import { waitFor } from '@verified-onboard/devstack';
import { topicNames } from '@verified-onboard/events';
import { createRedis } from '@verified-onboard/adapters';
import { bullmq, type Redis } from './deps.js';
import * as bench from './harness.js';
import { addStepJobs, STEPS_QUEUE } from './raw-jobs.js';
import { delta, percentile, sum } from './stats.js';

export interface PipelineRun {
  size: number;
  /** Seconds from the batch POST to the last terminal event in the log. */
  seconds: number;
  readModelSec: number;
  latencyP50: number;
  latencyP95: number;
  completed: number;
  byStatus: Record<string, number>;
  submitSec: number;
  /** worker_jobs_processed_total deltas, by outcome. */
  jobs: Record<string, number>;
  jobsPerEnrollment: number;
  /** INFO commandstats deltas over the run (every process: api, worker steps, projector). */
  commands: Record<string, number>;
  calls: Record<string, number>;
  webhooks: { sent: number; failed: number };
  sampleData: unknown;
  workerRss: number[];
  /** /proc CPU ticks of the api and worker processes, from before the POST to the last enrollment shown. */
  cpuTicks: { before: Record<string, number>; after: Record<string, number>; hz: number };
  /** Events of the batch in the log, and their bytes. */
  events: number;
  eventBytes: number;
  raw: RawBullmq;
}

export interface RawBullmq {
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  concurrency: number;
  commandsPerJob: number;
  /** CPU of the bench process (which runs the raw Workers) per job, in ms. */
  cpuMsPerJob: number;
}

const runs = new WeakMap<bench.FigureContext, Promise<PipelineRun>>();

/** The run for this bench run's context, measured on the first call. */
export function pipelineRun(ctx: bench.FigureContext): Promise<PipelineRun> {
  let run = runs.get(ctx);
  if (!run) {
    run = measurePipelineRun(ctx);
    runs.set(ctx, run);
  }
  return run;
}

async function measurePipelineRun(ctx: bench.FigureContext): Promise<PipelineRun> {
  const { stack, say } = ctx;
  const size = bench.scaled(ctx, 10_000, 100);
  // Everyone accepts at once and every webhook is delivered: the pipeline, not the users, sets the pace.
  await bench.figureScenario(ctx, { outcome: 'accept', afterMs: 0 });
  const app = await bench.figureApp(ctx, 'pipeline');
  let pipeline: Omit<PipelineRun, 'size' | 'raw'>;
  try {
    const statsBefore = await stack.emulatorStats();
    const commandsBefore = await stack.commandCalls();
    const jobsBefore = await app.jobsProcessed();
    const cpuBefore = app.cpuTicks();
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
    // Before anything else the bench asks of the processes, and before they stop.
    const cpuAfter = app.cpuTicks();
    const seconds = (watch.lastTerminalAt() - startedWall) / 1000;
    const completed = watch.count('enrollment.completed.v1');
    const latencies = watch.latencies();
    const jobs = delta(await app.jobsProcessed(), jobsBefore);
    const commands = delta(await stack.commandCalls(), commandsBefore);
    const statsAfter = await stack.emulatorStats();
    const calls = delta(statsAfter.calls, statsBefore.calls);
    const jobsPerEnrollment = sum(jobs) / Math.max(1, completed);
    const sampleData = await sampleJobData(stack.redisUrl, parseQueuePrefix(app.prefix).queue);
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
      cpuTicks: { before: cpuBefore, after: cpuAfter, hz: bench.clockTicksPerSecond() },
      events: watch.events,
      eventBytes: watch.eventBytes,
    };
  } finally {
    await app.stop();
  }

  const rawJobs = Math.max(1000, Math.round(sum(pipeline.jobs)));
  say(`pipeline: baseline, ${rawJobs} raw BullMQ no-op jobs`);
  const raw = await rawBullmq(ctx, rawJobs, pipeline.sampleData);
  return { size, ...pipeline, raw };
}

/** The data of one real step job, so the raw jobs carry a payload of the same size. */
async function sampleJobData(redisUrl: string, prefix: string): Promise<unknown> {
  const connection = createRedis(redisUrl, { maxRetriesPerRequest: null });
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
async function rawBullmq(ctx: bench.FigureContext, jobs: number, data: unknown): Promise<RawBullmq> {
  const { stack } = ctx;
  const prefix = 'rb';
  // The worker's default concurrency (services/worker/src/config.ts), so both sides run the same number of jobs at once.
  const concurrency = Number(ctx.workerEnv.WORKER_CONCURRENCY ?? process.env.WORKER_CONCURRENCY ?? 128);
  const connections: Redis[] = [];
  const connection = () => {
    const c = createRedis(stack.redisUrl, { maxRetriesPerRequest: null });
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
    const cpuStarted = process.cpuUsage();
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
    const cpu = process.cpuUsage(cpuStarted);
    const commands = delta(await stack.commandCalls(), commandsBefore);
    return {
      jobs,
      seconds,
      jobsPerSec: jobs / seconds,
      concurrency,
      commandsPerJob: sum(commands) / jobs,
      cpuMsPerJob: (cpu.user + cpu.system) / 1000 / jobs,
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    for (const c of connections) c.disconnect();
  }
}

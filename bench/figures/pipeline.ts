// Figure "pipeline": enrollments completed per second end to end (from the batch POST to the last
// enrollment.completed event in the log), beside raw BullMQ no-op jobs per second on the
// same Redis in the same run. ratio = pipeline enrollments/s × jobs per enrollment ÷ raw jobs/s: the share of
// BullMQ's own capacity the pipeline keeps once every job does real work (upstream call, Redis, Kafka ack).
import * as bench from '../harness.js';
import { pipelineRun } from '../pipeline-run.js';
import { round, sum } from '../stats.js';

export async function pipelineFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const pipeline = await pipelineRun(ctx);
  const { raw, size } = pipeline;
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
    // Throughput is reported, not judged: the cost figures (redis_commands, cpu) carry the targets.
    ratio: round(ratio, 3),
    target: 'none (reported)',
    pass: null,
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

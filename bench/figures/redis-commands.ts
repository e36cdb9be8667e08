// Figure "redis_commands": Redis commands per completed enrollment, summed over every process that talks to the
// bench's private Redis (api, worker steps, projector; commands inside Lua scripts included), over the shared
// pipeline run. Baseline: what raw BullMQ spends on the same number of jobs: commands per no-op job on the same
// Redis × jobs per enrollment. Both are INFO commandstats deltas.
import * as bench from '../harness.js';
import { pipelineRun } from '../pipeline-run.js';
import { round, sum } from '../stats.js';

/** Issue 15: half of the ~310 commands per enrollment measured before it. */
const TARGET_MOST = 160;

export async function redisCommandsFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const run = await pipelineRun(ctx);
  const completed = Math.max(1, run.completed);
  const value = sum(run.commands) / completed;
  const baseline = run.raw.commandsPerJob * run.jobsPerEnrollment;
  const top = Object.fromEntries(
    Object.entries(run.commands)
      .slice(0, 15)
      .map(([k, v]) => [k, round(v / completed, 1)]),
  );
  return {
    figure: 'redis_commands',
    value: round(value, 1),
    unit: 'Redis commands/enrollment',
    baseline: round(baseline, 1),
    baselineUnit: 'Redis commands/enrollment',
    baselineWhat: `raw BullMQ: ${round(run.raw.commandsPerJob, 1)} commands per no-op job (same Redis, same job options) × ${round(run.jobsPerEnrollment)} jobs per enrollment`,
    ratio: round(value / baseline, 3),
    ratioWhat: 'commands per enrollment ÷ raw BullMQ commands for the same jobs',
    target: `<= ${TARGET_MOST} Redis commands per enrollment`,
    pass: value <= TARGET_MOST,
    size: run.size,
    details: {
      completed: run.completed,
      commandsTotal: sum(run.commands),
      commandsPerEnrollmentTop: top,
      jobsPerEnrollment: round(run.jobsPerEnrollment),
      rawJobs: run.raw.jobs,
      rawCommandsPerJob: round(run.raw.commandsPerJob, 1),
    },
  };
}

// Orchestration: start the private stack, run the chosen figures one after another (each on its own api,
// workers and prefixes), print each result as one JSON line the moment it is known, then a table; always tear
// the stack down, also on Ctrl-C.
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { localDir } from '@verified-onboard/devstack';
import { cpuFigure } from './figures/cpu.js';
import { footprintFigure } from './figures/footprint.js';
import { ingestFigure } from './figures/ingest.js';
import { pipelineFigure } from './figures/pipeline.js';
import { redisCommandsFigure } from './figures/redis-commands.js';
import { upstreamCallsFigure } from './figures/upstream-calls.js';
import {
  BenchStack,
  machineFacts,
  timedFigure,
  type FigureContext,
  type FigureMeasurement,
  type FigureResult,
} from './harness.js';
import { summarizeCpuProfile } from './profile-summary.js';
import { table } from './report.js';
import type { FigureName } from './run.js';

export interface BenchOptions {
  figures: FigureName[];
  sizeScale: number;
  workers: number;
  /** Added to every worker process's environment (what-if runs of the worker's documented knobs). */
  workerEnv: Record<string, string>;
  /** CONFIG SET on the private Redis before any figure (what-if runs of server settings). */
  redisConfig: Record<string, string>;
  /** Write the worker processes' V8 CPU profiles here (node --cpu-prof) and summarize them; undefined: none. */
  cpuProfDir: string | undefined;
  /** Append every JSON line to this file as well; undefined: stdout only. */
  out: string | undefined;
  /** Keep the private state folder (logs of every process) after the run. */
  keep: boolean;
}

const FIGURE_RUNNERS: Record<FigureName, (ctx: FigureContext) => Promise<FigureMeasurement>> = {
  ingest: ingestFigure,
  pipeline: pipelineFigure,
  redis_commands: redisCommandsFigure,
  cpu: cpuFigure,
  upstream_calls: upstreamCallsFigure,
  footprint: footprintFigure,
};

export async function runBench(options: BenchOptions): Promise<number> {
  const say = (line: string) =>
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const emit = (record: object) => {
    const line = JSON.stringify(record);
    process.stdout.write(`${line}\n`);
    if (options.out) appendFileSync(options.out, `${line}\n`);
  };
  const runId = randomUUID().slice(0, 8);
  const machine = machineFacts();
  emit({ machine, runId, options: { ...options, out: undefined } });
  say(
    `run ${runId}: ${options.figures.join(', ')} (size scale ${options.sizeScale}, ${options.workers} worker process(es)); state in ${localDir}`,
  );

  const stack = new BenchStack(runId, say);
  const results: FigureResult[] = [];
  const failures: string[] = [];
  let stopping: Promise<void> | null = null;
  const teardown = () => (stopping ??= stack.stop());
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: tearing the bench stack down`);
    void teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const workerNodeArgs: string[] = [];
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    workerNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  try {
    say('starting the private stack (redis, kafka, emulator)');
    await stack.start();
    for (const [name, value] of Object.entries(options.redisConfig)) {
      await stack.redis.config('SET', name, value);
      say(`redis: CONFIG SET ${name} ${value}`);
    }
    const ctx: FigureContext = {
      stack,
      say,
      sizeScale: options.sizeScale,
      workers: options.workers,
      workerNodeArgs,
      workerEnv: options.workerEnv,
    };
    for (const name of options.figures) {
      say(`== ${name}`);
      try {
        const result = await timedFigure(() => FIGURE_RUNNERS[name](ctx));
        results.push(result);
        emit(result);
        say(
          `${name}: ${result.value} ${result.unit} (baseline ${result.baseline} ${result.baselineUnit}, ratio ${result.ratio}) ${result.pass === null ? 'reported' : result.pass ? 'PASS' : 'FAIL'}`,
        );
      } catch (error) {
        failures.push(name);
        say(`${name} could not be measured: ${(error as Error).stack ?? String(error)}`);
        emit({ figure: name, error: (error as Error).message });
      }
    }
  } finally {
    await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.keep || failures.length > 0) say(`process logs kept in ${join(localDir, 'logs')}`);
    else rmSync(localDir, { recursive: true, force: true });
  }

  process.stdout.write(`\n${table(results, machine)}\n`);
  if (options.cpuProfDir) {
    for (const file of readdirSync(options.cpuProfDir).filter((f) => f.endsWith('.cpuprofile'))) {
      process.stdout.write(`\n${summarizeCpuProfile(join(options.cpuProfDir, file))}\n`);
    }
  }
  return failures.length > 0 ? 1 : 0;
}

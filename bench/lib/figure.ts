import type { FigureName } from '../run.js';
import type { BenchApp } from '../stack/bench-app.js';
import type { BenchStack } from '../stack/bench-stack.js';
import { round } from '../stats.js';
import type { Say } from './errors.js';
import { loadSample, type LoadSample } from './machine.js';

/** One figure's result: the measured value beside its same-run baseline and the target. */
export interface FigureResult {
  figure: FigureName;
  value: number;
  unit: string;
  baseline: number;
  baselineUnit: string;
  baselineWhat: string;
  ratio: number;
  ratioWhat: string;
  target: string;
  /** null: a figure reported without a target. */
  pass: boolean | null;
  size: number;
  durationSec: number;
  load: { start: LoadSample; end: LoadSample };
  details: Record<string, unknown>;
}

/** What a figure measures; `timedFigure` adds how long it took and the machine's load around it. */
export type FigureMeasurement = Omit<FigureResult, 'durationSec' | 'load'>;

export async function timedFigure(measure: () => Promise<FigureMeasurement>): Promise<FigureResult> {
  const start = loadSample();
  const started = performance.now();
  const { details, ...result } = await measure();
  const durationSec = round((performance.now() - started) / 1000, 1);
  return { ...result, durationSec, load: { start, end: loadSample() }, details };
}

/** A figure whose target is a least ratio to its baseline. */
export const ratioTarget = (ratio: number, least: number) => ({
  ratio: round(ratio, 3),
  target: `ratio >= ${least}`,
  pass: ratio >= least,
});

/** How the emulator's users answer in a figure: the outcome and after how long. */
export interface FigureUsers {
  outcome: 'accept' | 'never';
  afterMs: number;
}

/** Puts the emulator in a figure's scenario: no latency, no faults, webhooks delivered but for `webhookDropRate`. */
export async function figureScenario(
  ctx: FigureContext,
  users: FigureUsers,
  webhookDropRate = 0,
): Promise<void> {
  await ctx.stack.emulatorScenario({
    user: { ...users, mix: null },
    latencyMs: { min: 0, max: 0 },
    webhook: { enabled: true, dropRate: webhookDropRate },
    faults: {},
  });
}

/** Starts a figure's api and workers; `workerEnv` is the figure's own, --worker-env goes on top. */
export function figureApp(
  ctx: FigureContext,
  figure: string,
  workerEnv: Record<string, string> = {},
): Promise<BenchApp> {
  return ctx.stack.app(
    figure,
    { workers: ctx.workers, workerNodeArgs: ctx.workerNodeArgs, workerEnv },
    ctx.workerEnv,
  );
}

export interface FigureContext {
  stack: BenchStack;
  say: Say;
  /** Multiplies every figure's size (quick runs: 0.1). */
  sizeScale: number;
  workers: number;
  workerNodeArgs: string[];
  /** Extra worker environment from --worker-env, applied on top of each figure's own. */
  workerEnv: Record<string, string>;
}

export const scaled = (ctx: FigureContext, size: number, min = 1) =>
  Math.max(min, Math.round(size * ctx.sizeScale));

// `npm run bench [-- --only pipeline,ingest --size-scale 0.1 --workers 1 --worker-env K=V --redis-config K=V --cpu-prof DIR --out FILE --keep]`
// Runs the benchmark on a stack of its own (see docs/benchmarks.md). The state folder must be chosen before
// @verified-onboard/devstack is loaded (it reads VO_LOCAL_DIR once), hence the dynamic import below.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const FIGURES = ['ingest', 'pipeline', 'redis_commands', 'cpu', 'upstream_calls', 'footprint'] as const;
export type FigureName = (typeof FIGURES)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'size-scale': { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'worker-env': { type: 'string', multiple: true, default: [] },
    'redis-config': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    `usage: npm run bench [-- --only ${FIGURES.join(',')}] [--size-scale 1] [--workers 1] [--worker-env K=V] [--redis-config K=V] [--cpu-prof DIR] [--out FILE] [--keep]   (docs/benchmarks.md)`,
  );
  process.exit(0);
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const only = (values.only ?? FIGURES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of only)
  if (!(FIGURES as readonly string[]).includes(name))
    fail(`--only takes ${FIGURES.join(', ')}; got '${name}'`);
const sizeScale = Number(values['size-scale']);
if (!(sizeScale > 0)) fail(`--size-scale must be a positive number, got '${values['size-scale']}'`);
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1)
  fail(`--workers must be a positive integer, got '${values.workers}'`);

function pairs(option: 'worker-env' | 'redis-config'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of values[option]) {
    const eq = pair.indexOf('=');
    if (eq < 1) fail(`--${option} takes NAME=VALUE, got '${pair}'`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
const workerEnv = pairs('worker-env');
const redisConfig = pairs('redis-config');

process.env.VO_LOCAL_DIR = mkdtempSync(join(tmpdir(), 'vo-bench-'));
const { runBench } = await import('./main.js');
process.exitCode = await runBench({
  figures: FIGURES.filter((f) => only.includes(f)),
  sizeScale,
  workers,
  workerEnv,
  redisConfig,
  cpuProfDir: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
  out: values.out ? resolve(values.out) : undefined,
  keep: values.keep,
});

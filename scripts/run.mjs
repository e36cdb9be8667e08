#!/usr/bin/env node
// The one way into every `npm run <task>`: installs what is missing (scripts/bootstrap.mjs, which also brings a
// project-local pnpm when none is on PATH), then starts the task's entry point with the workspace's tools on
// PATH. package.json's scripts are all `node scripts/run.mjs <task>`, so a fresh clone with only Node and npm
// runs every command, and no script may name a bare `pnpm`, `tsx` or `vitest` that a new machine lacks.
// Plain Node on purpose: it runs before any dependency exists.
import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

const stack = 'packages/devstack/src/cli/stack.ts';

/**
 * Each task is an entry file run with Node (`.ts` through tsx, with the workspace's `development` condition),
 * with fixed leading arguments; the caller's arguments follow, so `npm run <task> -- --help` reaches the entry.
 */
const tasks = {
  test: {
    entry: 'scripts/test.mjs',
    about: 'everything CI runs: install, type-check, lint, every test tier',
  },
  'test:unit': {
    entry: 'scripts/test.mjs',
    args: ['--tier', 'unit'],
    about: 'pure tests, no infrastructure',
  },
  'test:int': { entry: 'scripts/test.mjs', args: ['--tier', 'int'], about: 'real Redis, Kafka, emulator' },
  'test:e2e': { entry: 'scripts/test.mjs', args: ['--tier', 'e2e'], about: 'the whole stack, short soak' },
  'test:cluster': {
    entry: 'scripts/test.mjs',
    args: ['--tier', 'cluster'],
    about: 'int and e2e tiers on a Redis Cluster',
  },
  demo: { entry: 'scripts/demo.ts', about: 'up, then 2,000 people through the CLI with progress' },
  up: { entry: stack, args: ['up'], about: 'start the local stack' },
  down: { entry: stack, args: ['down'], about: 'stop what up started' },
  status: { entry: stack, args: ['status'], about: 'what of the local stack runs' },
  emulator: { entry: 'packages/verified-emulator/src/main.ts', about: 'the Verified emulator alone' },
  bench: { entry: 'bench/run.ts', about: 'the benchmark on a private stack' },
  soak: { entry: 'packages/e2e/src/soak-cli.ts', about: 'the long fault soak' },
  cli: { entry: 'packages/cli/bin/verified-onboard.mjs', about: 'the operators’ CLI' },
  build: { entry: 'scripts/workspace.mjs', args: ['build'], about: 'compile every package to dist/' },
  typecheck: { entry: 'scripts/workspace.mjs', args: ['typecheck'], about: 'tsc over the workspace' },
  lint: { entry: 'scripts/workspace.mjs', args: ['lint'], about: 'eslint (type-aware) and prettier --check' },
  format: { entry: 'scripts/workspace.mjs', args: ['format'], about: 'prettier --write over the tree' },
};

const [name, ...rest] = process.argv.slice(2);
const task = name === undefined ? undefined : tasks[name];
if (!task) {
  console.error(`usage: node scripts/run.mjs <task> [args]\ntasks:`);
  for (const [key, t] of Object.entries(tasks)) console.error(`  ${key.padEnd(10)} ${t.about}`);
  process.exit(2);
}

ensureInstalled();
// Children find the workspace's binaries (tsx, vitest, eslint) without any global install; pnpm itself is only
// ever called through scripts/bootstrap.mjs, which knows where it is.
const env = {
  ...process.env,
  PATH: [join(root, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
};
const nodeArgs = task.entry.endsWith('.ts') ? ['--conditions=development', '--import', 'tsx'] : [];
const child = spawn(process.execPath, [...nodeArgs, join(root, task.entry), ...(task.args ?? []), ...rest], {
  cwd: root,
  stdio: 'inherit',
  env,
});
// A signal sent to this launcher alone (a supervisor's `kill`) must reach the task, or it would be orphaned.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});

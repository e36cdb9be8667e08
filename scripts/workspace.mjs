#!/usr/bin/env node
// Whole-workspace tool runs, started through scripts/run.mjs (`npm run build|typecheck|lint|format`):
// build every package, type-check the workspace as one program, lint (type-aware eslint, then the format
// check), or format the tree. The tools are the workspace's own (node_modules/.bin), pnpm the bootstrap's.
import { spawnSync } from 'node:child_process';
import { pnpm, root } from './bootstrap.mjs';

const jobs = {
  build: { about: 'compile every workspace package to its dist/', steps: [['pnpm', '-r', 'build']] },
  typecheck: {
    about: 'type-check sources, tests, scripts and bench as one program',
    steps: [['tsc', '-p', 'tsconfig.json']],
  },
  lint: {
    about: 'eslint with type information and the import boundaries, then prettier --check',
    steps: [
      ['eslint', '.'],
      ['prettier', '--check', '--log-level', 'warn', '.'],
    ],
  },
  format: {
    about: 'prettier --write over the tree',
    steps: [['prettier', '--write', '--log-level', 'warn', '.']],
  },
};

const [name, ...rest] = process.argv.slice(2);
const job = name === undefined ? undefined : jobs[name];
if (!job || rest.includes('--help') || rest.includes('-h')) {
  const list = Object.entries(jobs).map(([key, j]) => `  npm run ${key.padEnd(10)} ${j.about}`);
  console.log(`usage:\n${list.join('\n')}`);
  process.exit(job ? 0 : 2);
}

for (const [tool, ...args] of job.steps) {
  if (tool === 'pnpm') {
    try {
      // pnpm's own options (`--filter X`) go before the script name, or the script would receive them.
      pnpm([...args.slice(0, -1), ...(name === 'build' ? withDependencies(rest) : rest), ...args.slice(-1)]);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    }
    continue;
  }
  // Resolved from node_modules/.bin, which scripts/run.mjs puts first on PATH.
  const result = spawnSync(tool, [...args, ...rest], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${tool} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

/**
 * `--filter X` selects X and the workspace packages it depends on (pnpm's `X...`): a package's build reads its
 * dependencies' `dist/` types, which a fresh clone does not have yet.
 */
function withDependencies(args) {
  const names = (arg, i) => args[i - 1] === '--filter' || arg.startsWith('--filter=');
  return args.map((arg, i) => (names(arg, i) && !arg.endsWith('...') ? `${arg}...` : arg));
}

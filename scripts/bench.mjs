#!/usr/bin/env node
// `npm run bench`: the benchmark (bench/run.ts) on a private stack of its own; see docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

ensureInstalled();
const result = spawnSync(
  process.execPath,
  ['--conditions=development', '--import', 'tsx', join(root, 'bench/run.ts'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...process.env },
  },
);
process.exit(result.status ?? 1);

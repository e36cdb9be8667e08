#!/usr/bin/env node
// `npm run up|down|status`: installs what is missing, then runs the stack manager (TypeScript, via tsx).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

ensureInstalled();
const r = spawnSync(
  process.execPath,
  [
    '--conditions=development',
    '--import',
    'tsx',
    join(root, 'packages/devstack/src/cli/stack.ts'),
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...process.env } },
);
process.exit(r.status ?? 1);

#!/usr/bin/env node
// `npm run soak`: installs what is missing, then runs the fault soak (packages/e2e/src/soak-cli.ts, via tsx).
// Options: --size (5000) --worker-kills (3) --kafka-restarts (1); see docs/soak.md.
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
    join(root, 'packages/e2e/src/soak-cli.ts'),
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...process.env } },
);
process.exit(r.status ?? 1);

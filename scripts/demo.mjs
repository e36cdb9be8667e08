#!/usr/bin/env node
// `npm run demo`: the main job. Installs what is missing, starts the stack (`up`), then runs the demo driver
// (scripts/demo.ts): a generated batch through the CLI with live progress, then a summary. The stack stays up.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

ensureInstalled();
const tsx = (file, args = []) =>
  spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', join(root, file), ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...process.env },
  }).status ?? 1;

const up = tsx('packages/devstack/src/cli/stack.ts', ['up']);
if (up !== 0) process.exit(up);
process.exit(tsx('scripts/demo.ts', process.argv.slice(2)));

#!/usr/bin/env node
// `npm run demo`: the main job. Starts the stack, then runs the demo driver (scripts/demo.ts) when it exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
const driver = 'scripts/demo.ts';
if (!existsSync(join(root, driver))) {
  console.error('\nThe stack is up, but the demo driver (scripts/demo.ts) is not built yet: no enrollments were run.');
  process.exit(1);
}
process.exit(tsx(driver, process.argv.slice(2)));

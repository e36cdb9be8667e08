#!/usr/bin/env node
// `npm test`: from a fresh clone, install what is missing, then type-check, lint, check generated
// artifacts, and run every test. Redis and Kafka are provided (and stopped) by the vitest global setup.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, pnpm, root } from './bootstrap.mjs';

const step = (title) => console.log(`\n== ${title}`);
function sh(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status})`);
    process.exit(r.status || 1);
  }
}

step('install');
ensureInstalled();
step('fetch Kafka (cached after the first run)');
sh('bash', ['scripts/kafka.sh', 'fetch']);
if (existsSync(join(root, 'scripts', 'ensure-chromium.sh'))) {
  step('headless Chromium for the capture page test');
  sh('bash', ['scripts/ensure-chromium.sh']);
}
step('type-check');
pnpm(['exec', 'tsc', '-p', 'tsconfig.json']);
step('lint');
pnpm(['exec', 'eslint', '.']);
if (existsSync(join(root, 'scripts', 'check-generated.mjs'))) {
  step('generated schemas are up to date');
  sh(process.execPath, ['--conditions=development', '--import', 'tsx', 'scripts/check-generated.mjs']);
}
step('tests (real Redis, real Kafka, the emulator)');
pnpm(['exec', 'vitest', 'run', ...process.argv.slice(2)]);

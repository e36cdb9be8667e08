#!/usr/bin/env node
// `npm test` (started through scripts/run.mjs, which has installed what was missing): fetch Kafka, headless
// Chromium, type-check, lint, check generated artifacts, then every test tier. `--tier unit|int|e2e` runs one
// tier alone (`npm run test:unit|test:int|test:e2e`), with only what that tier needs. Redis and Kafka are
// provided (and stopped) by the vitest global setup of the int and e2e tiers. `--tier cluster`
// (`npm run test:cluster`) runs the int and e2e tiers with Redis on a private Redis Cluster
// (VO_TEST_REDIS_CLUSTER=1). Other arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { root } from './bootstrap.mjs';
import { redisTestFiles } from './redis-test-files.mjs';

// `--tier X` and `--help` are ours; every other argument goes to vitest untouched.
const argv = process.argv.slice(2);
const tierAt = argv.indexOf('--tier');
const tier = tierAt === -1 ? undefined : argv[tierAt + 1];
const vitestArgs = tierAt === -1 ? argv : argv.filter((_, i) => i !== tierAt && i !== tierAt + 1);
const help = vitestArgs.includes('--help') || vitestArgs.includes('-h');
if (help || (tierAt !== -1 && !['unit', 'int', 'e2e', 'cluster'].includes(tier ?? ''))) {
  console.log(`usage: npm test [-- vitest args]
         install, Kafka, Chromium, type-check, lint, generated schemas, then the unit, int and e2e tiers
       npm run test:unit [-- vitest args]   pure code: no Redis, Kafka or emulator, no global setup
       npm run test:int [-- vitest args]    real Redis, a real Kafka broker, the emulator
       npm run test:e2e [-- vitest args]    the whole stack as processes
       npm run test:cluster [-- vitest args]   the int and e2e tiers with Redis on a 3-master Redis Cluster`);
  process.exit(help ? 0 : 2);
}

const step = (title) => console.log(`\n== ${title}`);
function sh(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}
const node = (...args) => sh(process.execPath, args);

if (tier === undefined || tier !== 'unit') {
  step('fetch Kafka (cached after the first run)');
  sh('bash', ['scripts/kafka.sh', 'fetch']);
}
if (tier === undefined || tier === 'int' || tier === 'cluster') {
  step('headless Chromium for the capture page test');
  sh('bash', ['scripts/ensure-chromium.sh']);
}
if (tier === undefined) {
  step('type-check');
  node('scripts/workspace.mjs', 'typecheck');
  step('lint and format check');
  node('scripts/workspace.mjs', 'lint');
  step('generated schemas are up to date');
  node('--conditions=development', '--import', 'tsx', 'scripts/check-generated.mjs');
}
// `vitest` resolves from node_modules/.bin, which scripts/run.mjs puts first on PATH.
if (tier === 'cluster') {
  step('tests: int and e2e tiers on a Redis Cluster');
  sh('vitest', ['run', '--project', 'int', '--project', 'e2e', ...vitestArgs], {
    ...process.env,
    VO_TEST_REDIS_CLUSTER: '1',
  });
} else {
  step(tier ? `tests: ${tier} tier` : 'tests: unit, int (real Redis, Kafka, emulator) and e2e (whole stack)');
  sh('vitest', ['run', ...(tier ? ['--project', tier] : []), ...vitestArgs]);
}
// CI runs the int and e2e files that touch Redis once more on a private Redis Cluster (issue 15: the suites run
// once against a cluster). The files are derived by a rule (scripts/redis-test-files.mjs), never listed: every int
// and e2e file but those that use no Redis and would run the same (today the emulator's own tests and the README
// commands test). Cost and the 27-minute budget of `npm test` on this 2-core machine: docs/developing.md (Tests).
if (tier === undefined && vitestArgs.length === 0) {
  step('tests: the int and e2e files that touch Redis, on a Redis Cluster');
  const files = redisTestFiles(root);
  sh('vitest', ['run', '--project', 'int', '--project', 'e2e', ...files], {
    ...process.env,
    VO_TEST_REDIS_CLUSTER: '1',
  });
}

import { defineConfig } from 'vitest/config';

// One config, three tiers (vitest projects), selected with `--project`:
// - unit: `*.unit.test.ts`, pure code; no Redis, Kafka or emulator, and no global setup.
// - int:  every other test of a package or service, against real Redis, Kafka and the emulator.
// - e2e:  `*.e2e.test.ts`, the whole stack as processes (the CLI, `up`/`down`, the short soak).
// Infrastructure for int and e2e comes from the global setup; the first project to run it exports REDIS_URL and
// KAFKA_BROKERS, so the second reuses the same servers. Each test file isolates itself with isolatedNames().
const unit = [
  'packages/*/test/**/*.unit.test.ts',
  'services/*/test/**/*.unit.test.ts',
  'bench/test/**/*.unit.test.ts',
];
const e2e = ['packages/*/test/**/*.e2e.test.ts', 'services/*/test/**/*.e2e.test.ts'];
const all = ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'];
const globalSetup = ['./packages/devstack/src/global-setup.ts'];

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      { extends: true, test: { name: 'int', include: all, exclude: [...unit, ...e2e], globalSetup } },
      { extends: true, test: { name: 'e2e', include: e2e, globalSetup } },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// One config for the whole workspace. Infrastructure (real Redis and Kafka) comes from the global setup;
// each test file isolates itself with isolatedNames() so files can run in parallel.
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
    globalSetup: ['./packages/devstack/src/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});

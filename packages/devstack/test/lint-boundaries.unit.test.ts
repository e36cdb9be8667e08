// The architecture's boundaries are enforced by the workspace's eslint config: services never import each
// other, packages never import services, packages/events imports no infrastructure library. This lints made-up files at real paths against that config.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/index.js';

// The boundary rule reads import specifiers only; type information would need the files to exist on disk.
const eslint = new ESLint({ cwd: repoRoot, overrideConfig: tseslint.configs.disableTypeChecked });

async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('import boundaries (eslint.config.js)', () => {
  it.each([
    ['services/api/src/x.ts', "import { startWorker } from '@verified-onboard/worker';"],
    ['services/api/src/x.ts', "import { thing } from '../../worker/src/thing.js';"],
    ['services/worker/src/x.ts', "import { buildApp } from '@verified-onboard/api';"],
    ['services/worker/test/x.test.ts', "import type { App } from '../../api/src/app.js';"],
    ['packages/events/src/x.ts', "import { config } from '../../../services/worker/src/config.js';"],
    ['packages/devstack/src/x.ts', "import { buildApp } from '@verified-onboard/api';"],
    ['packages/events/src/x.ts', "import type { Kafka } from 'kafkajs';"],
    ['packages/events/src/domain/x.ts', "import { Redis } from 'ioredis';"],
    ['packages/events/src/x.ts', "import { Queue } from 'bullmq';"],
    ['packages/events/src/x.ts', "import fastify from 'fastify';"],
    ['packages/events/src/x.ts', "import { pino } from 'pino';"],
  ])('%s may not say %s', async (file, source) => {
    expect(await boundaryErrors(file, `${source}\nexport {};\n`)).toHaveLength(1);
  });

  it.each([
    ['services/api/src/x.ts', "import { decodeEvent } from '@verified-onboard/events';"],
    ['services/worker/src/x.ts', "import { VerifiedClient } from '@verified-onboard/verified-client';"],
    ['packages/e2e/src/x.ts', "import { waitFor } from '@verified-onboard/devstack';"],
    ['packages/adapters/src/x.ts', "import type { Kafka } from 'kafkajs';"],
    ['packages/adapters/src/x.ts', "import { Redis } from 'ioredis';"],
  ])('%s may say %s', async (file, source) => {
    expect(await boundaryErrors(file, `${source}\nexport {};\n`)).toEqual([]);
  });
});

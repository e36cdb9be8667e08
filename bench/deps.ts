// BullMQ exactly as the worker runs it: loaded from services/worker's own dependency tree, so the raw BullMQ
// baseline uses the same library version as the pipeline it is compared with. Redis connections come from
// createRedis (@verified-onboard/adapters), as the worker's do. The root workspace does not depend on BullMQ
// (bench/ is not a package), hence the explicit resolution.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '@verified-onboard/devstack';
import type * as BullMQ from '../services/worker/node_modules/bullmq/dist/esm/index.js';
import type * as IORedis from '../services/worker/node_modules/ioredis/built/index.js';

const fromWorker = createRequire(join(repoRoot, 'services', 'worker', 'package.json'));

export const bullmq = fromWorker('bullmq') as typeof BullMQ;
export type Redis = IORedis.Redis;
export type { BullMQ };

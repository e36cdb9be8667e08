import { QUEUES } from '@verified-onboard/contracts';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../config.js';
import { retryDelayMs } from '../pipeline/backoff.js';
import type { Step, StepJobData } from '../pipeline/job-data.js';
import type { StepRunner } from '../pipeline/step-runner.js';
import { BACKOFF_TYPE } from '../queues/steps-queue.js';

/** Worker fleets pause job fetching through BullMQ's limiter key; the key only counts when a limiter is set. */
const UNBOUNDED_JOB_RATE = { max: 1_000_000_000, duration: 1000 };

/** The BullMQ worker of the steps queue: runs every job through `runner`, retries with the steps' backoff. */
export function createStepsWorker(
  config: WorkerConfig,
  runner: StepRunner,
  connection: Redis,
): Worker<StepJobData, void, Step> {
  return new Worker<StepJobData, void, Step>(QUEUES.steps, (job, token) => runner.process(job, token), {
    connection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    stalledInterval: config.stalledIntervalMs,
    lockDuration: config.lockDurationMs,
    // A job caught in several worker crashes must run again, not be failed by BullMQ without an event:
    // every step is idempotent, so re-running is always safe.
    maxStalledCount: config.maxStalledCount,
    limiter: UNBOUNDED_JOB_RATE,
    settings: {
      backoffStrategy: (attemptsMade, type, error) => {
        if (type !== BACKOFF_TYPE) return 0;
        return retryDelayMs(
          attemptsMade,
          (error as { retryAfterMs?: number } | undefined)?.retryAfterMs,
          config.backoff,
        );
      },
    },
  });
}

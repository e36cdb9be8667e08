// The bare BullMQ baselines (pipeline: no-op jobs processed; footprint: delayed jobs held) add jobs exactly as the
// worker adds its step jobs, so that the comparison is with the same queue, options and payload.
import { QUEUES } from '@verified-onboard/contracts';
import type { BullMQ } from './deps.js';

/** The worker's queue of step jobs (services/worker/src/queues/steps-queue.ts). */
export const STEPS_QUEUE = QUEUES.steps;

/** The options a step job gets (services/worker/src/queues/steps-queue.ts): priority, attempts, retention. */
export const STEP_JOB_OPTIONS = {
  priority: 3,
  attempts: 8,
  backoff: { type: 'fixed', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 14 * 24 * 3600 },
} as const;

/** Adds `count` jobs named `name` carrying `data`, 1000 a call; `jobId(i)` names the i-th. */
export async function addStepJobs(
  queue: BullMQ.Queue,
  count: number,
  job: { name: string; data: unknown; jobId: (i: number) => string; delay?: number },
): Promise<void> {
  const opts = { ...STEP_JOB_OPTIONS, ...(job.delay !== undefined && { delay: job.delay }) };
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await queue.addBulk(
      Array.from({ length: n }, (_, j) => ({
        name: job.name,
        data: job.data,
        opts: { ...opts, jobId: job.jobId(i + j) },
      })),
    );
  }
}

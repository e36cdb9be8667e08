import { STEPS } from '@verified-onboard/events';
import { QUEUES } from '@verified-onboard/contracts';
import { Job, Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { stepJobId, type Admission, type Step, type StepJobData } from '../pipeline/job-data.js';

/** Name of the custom backoff strategy registered in the worker settings. */
export const BACKOFF_TYPE = 'verified';

/**
 * BullMQ priority (lower runs first). One queue for all steps so a single priority order spans all work:
 * an enrollment already in progress finishes before a new one starts, and a person waiting at the capture
 * page (interactive) is never queued behind a million-line batch.
 */
export function stepPriority(priority: 'interactive' | 'batch', admission: Admission): number {
  const isNew = admission === 'new';
  if (priority === 'interactive') return isNew ? 2 : 1;
  return isNew ? 4 : 3;
}

export interface StepsQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  attempts: number;
  /** Completed jobs are kept this long so a re-enqueue of the same id (Kafka redelivery) stays a no-op. */
  keepCompletedSec?: number;
  keepFailedSec?: number;
  keepFailedCount?: number;
}

export interface EnqueueOptions {
  delayMs?: number | undefined;
}

export class StepsQueue {
  readonly queue: Queue<StepJobData, void, Step>;

  constructor(private readonly options: StepsQueueOptions) {
    this.queue = new Queue<StepJobData, void, Step>(QUEUES.steps, {
      connection: options.connection,
      prefix: options.prefix,
    });
  }

  jobOptions(step: Step, data: StepJobData, opts: EnqueueOptions = {}): JobsOptions {
    return {
      jobId: stepJobId(data.enrollmentId, step, data.generation),
      priority: stepPriority(data.priority, data.admission),
      ...(opts.delayMs !== undefined && opts.delayMs > 0 && { delay: opts.delayMs }),
      attempts: this.options.attempts,
      backoff: { type: BACKOFF_TYPE },
      // Completed jobs are history for the dashboard, not state (events and outcomes are): keep the latest
      // 1,000 for at most an hour. A day of them cost ~1.6 KB per pending enrollment (docs/benchmarks.md).
      // A poll job goes at once: its id is dispatched again for the next look while the operation is pending.
      removeOnComplete:
        step === STEPS.poll ? true : { age: this.options.keepCompletedSec ?? 3600, count: 1000 },
      // Failed jobs are for looking at; the failure is in the event log and the read model (GET /v1/ops/failed).
      removeOnFail: {
        age: this.options.keepFailedSec ?? 24 * 3600,
        count: this.options.keepFailedCount ?? 1000,
      },
    };
  }

  /** Idempotent: a job with the same (enrollment, step, generation) is added once. */
  async enqueue(step: Step, data: StepJobData, opts: EnqueueOptions = {}): Promise<string> {
    const job = await this.queue.add(step, data, this.jobOptions(step, data, opts));
    return job.id ?? stepJobId(data.enrollmentId, step, data.generation);
  }

  async enqueueMany(jobs: Array<{ step: Step; data: StepJobData; opts?: EnqueueOptions }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((j) => ({ name: j.step, data: j.data, opts: this.jobOptions(j.step, j.data, j.opts) })),
    );
  }

  /**
   * Ops re-drive: makes sure the step's job exists and will run. A job still waiting, delayed or active is
   * left alone (the enrollment is not stuck); a finished one is removed and added again, and its re-run
   * replays its recorded outcome instead of calling the upstream twice (see OutcomeLog).
   */
  async redrive(step: Step, data: StepJobData): Promise<'enqueued' | 'in_progress'> {
    const id = stepJobId(data.enrollmentId, step, data.generation);
    const existing = await Job.fromId<StepJobData, void, Step>(this.queue, id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'in_progress';
      await existing.remove();
    }
    await this.enqueue(step, data);
    return 'enqueued';
  }

  /** Fleet-wide pause of job fetching (upstream 429): every worker on this queue honours it. */
  async rateLimit(ms: number): Promise<void> {
    await this.queue.rateLimit(ms);
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
      'paused',
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

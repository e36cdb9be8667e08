import type { RequestedData, Step } from '@verified-onboard/events';

export type { Step };

/** Progress of a poll job across its re-delays (same job, updated in place). */
export interface PollProgress {
  startedAt: number;
  previousDelayMs: number;
  count: number;
}

/**
 * Everything a step needs, carried by the job so that a re-run emits identical envelopes: the
 * sequence of its first event, the retry generation (event-id discriminator and job-id suffix), and
 * the causation chain. Secrets are never in here (they live in Redis with a TTL).
 */
export interface StepJobData {
  enrollmentId: string;
  generation: number;
  nextSequence: number;
  correlationId: string;
  causationId: string | null;
  /** True for the first job of an enrollment (scheduled behind work already in progress). */
  start: boolean;
  request: RequestedData;
  poll?: PollProgress;
}

/** BullMQ custom ids may not contain ':'; the id is deterministic so re-enqueues are no-ops. */
export function stepJobId(enrollmentId: string, step: Step, generation: number): string {
  return `${enrollmentId}.${step}.${generation}`;
}

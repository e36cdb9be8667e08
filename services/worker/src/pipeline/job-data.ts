import {
  stepSchema,
  type EnrollmentMode,
  type Priority,
  type RequestedData,
  type Step,
  type Work,
} from '@verified-onboard/events';

export type { Step };

/**
 * The queue priority class of a job: 'new' for an enrollment's first job, which waits behind work already in
 * progress; 'continuing' for every later one (the domain core's `Work.admission`).
 */
export type Admission = Work['admission'];

/** Progress of a poll job across its re-delays (same job, updated in place). */
export interface PollProgress {
  startedAt: number;
  previousDelayMs: number;
  count: number;
}

/**
 * Everything a step needs, carried by the job so that a re-run emits identical envelopes: the
 * sequence of its first event, the retry generation (event-id discriminator and job-id suffix), and
 * the causation chain. Ids and routing only: job data is shown by the queue dashboard and kept with
 * failed jobs, so no secret and no personal data (name, e-mail, phone, description, external ref) is in
 * here; a step reads the request by enrollment id (see RequestSource).
 */
export interface StepJobData {
  enrollmentId: string;
  generation: number;
  nextSequence: number;
  correlationId: string;
  causationId: string | null;
  /** Read when the job is enqueued, for its priority (stepPriority). Stored as `start: boolean` before. */
  admission: Admission;
  /** What every job needs of the request: routing, queue priority, the end-to-end duration metric. */
  mode: EnrollmentMode;
  priority: Priority;
  requestedAt: string;
  poll?: PollProgress;
}

/** The job data of an enrollment's job, from its request and position in the event stream. */
export function stepJobData(
  request: RequestedData,
  position: Pick<
    StepJobData,
    'enrollmentId' | 'generation' | 'nextSequence' | 'correlationId' | 'causationId' | 'admission'
  >,
): StepJobData {
  return {
    ...position,
    mode: request.mode,
    priority: request.priority,
    requestedAt: request.requestedAt,
  };
}

/** Job data as workers wrote it before `admission` replaced `start` (true: 'new'). */
export type LegacyStepJobData = Omit<StepJobData, 'admission'> & { start: boolean };

/**
 * Job data read back from Redis (a recorded outcome's next job), in today's shape whatever version of the
 * worker wrote it: data written before the rename carries `start` instead of `admission`.
 */
export function readStepJobData(data: StepJobData | LegacyStepJobData): StepJobData {
  if ('admission' in data) return data;
  const { start, ...rest } = data;
  return { ...rest, admission: start ? 'new' : 'continuing' };
}

/** BullMQ custom ids may not contain ':'; the id is deterministic so re-enqueues are no-ops. */
export function stepJobId(enrollmentId: string, step: Step, generation: number): string {
  return `${enrollmentId}.${step}.${generation}`;
}

const STEP_JOB_ID = new RegExp(`^(.+)\\.(${stepSchema.options.join('|')})\\.(\\d+)$`);

/** The inverse of stepJobId; null for an id this worker did not make. */
export function parseStepJobId(
  jobId: string,
): { enrollmentId: string; step: Step; generation: number } | null {
  const [, enrollmentId, step, generation] = STEP_JOB_ID.exec(jobId) ?? [];
  return enrollmentId && step && generation
    ? { enrollmentId, step: step as Step, generation: Number(generation) }
    : null;
}

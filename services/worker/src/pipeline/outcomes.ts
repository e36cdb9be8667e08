import type { EnrollmentEvent } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { workerKeys, type WorkerKeys } from '../keys.js';
import type { Step, StepJobData } from './job-data.js';

export interface NextJob {
  step: Step;
  data: StepJobData;
  delayMs?: number;
}

/** What a finished step decided: the events it emits and the job it hands over to (or the failure). */
export interface StepOutcome {
  events: EnrollmentEvent[];
  next: NextJob | null;
  /** Set when the outcome is the enrollment's `failed` event: replaying it ends the job unrecoverably. */
  failed?: { code: string; message: string };
}

/**
 * The recorded outcome of each job, written once (`SET NX`) between the upstream effect and the Kafka
 * publish. A job re-run after a crash or a failed publish replays it: identical envelopes (same ids,
 * times and sequences), the same next job, and no second upstream call.
 */
export class OutcomeLog {
  private readonly keys: WorkerKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly ttlSec: number,
  ) {
    this.keys = workerKeys(prefix);
  }

  async get(jobId: string): Promise<StepOutcome | null> {
    const raw = await this.redis.get(this.keys.outcome(jobId));
    return raw ? (JSON.parse(raw) as StepOutcome) : null;
  }

  /** Records `outcome` unless one exists already; returns the one that stands. */
  async record(jobId: string, outcome: StepOutcome): Promise<StepOutcome> {
    const set = await this.redis.set(this.keys.outcome(jobId), JSON.stringify(outcome), 'EX', this.ttlSec, 'NX');
    if (set === 'OK') return outcome;
    return (await this.get(jobId)) ?? outcome;
  }
}

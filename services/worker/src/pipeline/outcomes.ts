import type { EnrollmentEvent } from '@verified-onboard/events';
import { ENROLLMENT_FIELDS as F, ExpiringStore, hsetWithTtl } from '../keys.js';
import { readStepJobData, type LegacyStepJobData, type Step, type StepJobData } from './job-data.js';

export interface QueuedJob {
  step: Step;
  data: StepJobData;
  delayMs?: number;
}

/** What a finished step decided: the events it emits and the job it hands over to (or the failure). */
export interface StepOutcome {
  events: EnrollmentEvent[];
  next: QueuedJob | null;
  /** Set when the outcome is the enrollment's `failed` event: replaying it ends the job unrecoverably. */
  failed?: { code: string; message: string };
}

/** What a job finds when it starts: finished before, decided but not yet handed over, or nothing yet. */
export type RecordedOutcome =
  { kind: 'finished'; failed: boolean } | { kind: 'decided'; outcome: StepOutcome } | { kind: 'none' };

/** An outcome as stored: one recorded before the `admission` rename holds a next job with `start`. */
type StoredOutcome = Omit<StepOutcome, 'next'> & {
  next: (Omit<QueuedJob, 'data'> & { data: StepJobData | LegacyStepJobData }) | null;
};

function parseOutcome(raw: string): StepOutcome {
  const stored = JSON.parse(raw) as StoredOutcome;
  return { ...stored, next: stored.next && { ...stored.next, data: readStepJobData(stored.next.data) } };
}

const FINISHED_OK = '1';
const FINISHED_FAILED = 'f';

/**
 * The recorded outcome of each job, written once (`SET NX`) between the upstream effect and the Kafka
 * publish. A job re-run after a crash or a failed publish replays it: identical envelopes (same ids,
 * times and sequences), the same next job, and no second upstream call.
 *
 * Once the events are acknowledged and the next job exists, the full outcome has no reader left: it is
 * replaced by a one-field marker in the enrollment hash, and a later re-run of the job (a redelivered
 * `requested` after the finished job aged out of BullMQ) does nothing at all. A pending enrollment so keeps
 * a few bytes instead of its whole begin outcome (1.4 KB) for 30 days.
 */
export class OutcomeLog extends ExpiringStore {
  async lookup(enrollmentId: string, jobId: string): Promise<RecordedOutcome> {
    // Issued together: auto-pipelining sends them in one round trip.
    const [finished, raw] = await Promise.all([
      this.redis.hget(this.keys.stepBook(enrollmentId), F.done(enrollmentId, jobId)),
      this.redis.get(this.keys.outcome(jobId)),
    ]);
    if (finished) return { kind: 'finished', failed: finished === FINISHED_FAILED };
    if (raw) return { kind: 'decided', outcome: parseOutcome(raw) };
    return { kind: 'none' };
  }

  /** Records `outcome` unless one exists already; returns the one that stands. */
  async record(jobId: string, outcome: StepOutcome): Promise<StepOutcome> {
    const key = this.keys.outcome(jobId);
    const set = await this.redis.set(key, JSON.stringify(outcome), 'EX', this.ttlSec, 'NX');
    if (set === 'OK') return outcome;
    const raw = await this.redis.get(key);
    return raw ? parseOutcome(raw) : outcome;
  }

  /**
   * After the publish was acknowledged and the next job enqueued: marker in, then full outcome out. Two steps,
   * not one transaction, because the two keys sit in different Redis Cluster hash slots; `lookup` reads the
   * marker first, so an outcome a crash left behind is never replayed, and it expires with its TTL.
   */
  async finish(enrollmentId: string, jobId: string, failed: boolean): Promise<void> {
    await hsetWithTtl(this.redis, this.keys.stepBook(enrollmentId), this.ttlSec, [
      F.done(enrollmentId, jobId),
      failed ? FINISHED_FAILED : FINISHED_OK,
    ]);
    await this.redis.del(this.keys.outcome(jobId));
  }
}

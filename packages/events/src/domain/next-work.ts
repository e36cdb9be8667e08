import { EVENT_TYPES } from '../event-types.js';
import type { EnrollmentMode, Step } from '../schemas/common.js';
import { UPSTREAM_STATUS_TO_STATUS } from '../state.js';
import type { PendingEvent } from './commands.js';
import type { Enrollment, ExistingEnrollment } from './state.js';

/** The job that moves an enrollment on: which step, under which generation, from which stream position. */
export interface Work {
  step: Step;
  generation: number;
  /** Sequence of the first event the step records (the stream's version + 1). */
  nextSequence: number;
  /** `new`: the enrollment's first job (scheduled behind work in progress); `continuing` otherwise. */
  admission: 'new' | 'continuing';
}

/** What the next work depends on: an enrollment's status, mode and retry generation, at a stream version. */
export interface Progress {
  state: { status: 'none' } | Pick<ExistingEnrollment, 'status' | 'mode' | 'generation'>;
  version: number;
}

/**
 * The order of the steps, written once: the step that moves an enrollment on from `status` in `mode`, or
 * null when nothing does (settled, or failed: only an ops retry moves a failed one).
 */
export function stepFrom(status: Enrollment['status'], mode: EnrollmentMode): Step | null {
  switch (status) {
    case 'requested':
      return mode === 'import' ? 'account' : 'begin';
    case 'capture_pending':
      return 'poll';
    case 'captured':
      return mode === 'recapture' ? 'credential' : 'account';
    case 'account_created':
      // Also after credential_attached (same status): the credential step records `completed` last.
      return 'credential';
    default:
      return null;
  }
}

/** The next job of an enrollment, or null when none is due. */
export function nextWork({ state, version }: Progress): Work | null {
  if (state.status === 'none') return null;
  const step = stepFrom(state.status, state.mode);
  if (step === null) return null;
  return {
    step,
    generation: state.generation,
    nextSequence: version + 1,
    admission: version === 1 ? 'new' : 'continuing',
  };
}

/**
 * The status `event` leaves an enrollment in, wherever the lifecycle allowed it to start (evolve checks that);
 * null for the events that keep the status (credential_attached) or take it from the state (retried).
 */
export function statusAfter(event: PendingEvent): ExistingEnrollment['status'] | null {
  switch (event.type) {
    case EVENT_TYPES.requested:
      return 'requested';
    case EVENT_TYPES.captureStarted:
      return 'capture_pending';
    case EVENT_TYPES.captureCompleted:
      return UPSTREAM_STATUS_TO_STATUS[event.data.upstreamStatus];
    case EVENT_TYPES.accountCreated:
      return 'account_created';
    case EVENT_TYPES.completed:
      return 'completed';
    case EVENT_TYPES.failed:
      return 'failed';
    case EVENT_TYPES.credentialAttached:
    case EVENT_TYPES.retried:
      return null;
  }
}

/**
 * The work after a step's job: the job held `position` (its generation and the sequence of its first event),
 * and the step recorded `events`, which `decide` accepted from there. Null when they settle the enrollment,
 * fail it, or record nothing (nothing moved on).
 */
export function workAfter(
  mode: EnrollmentMode,
  position: { generation: number; nextSequence: number },
  events: readonly PendingEvent[],
): Work | null {
  const status = events.reduce<ExistingEnrollment['status'] | null>((s, e) => statusAfter(e) ?? s, null);
  if (status === null) return null;
  return nextWork({
    state: { status, mode, generation: position.generation },
    version: position.nextSequence + events.length - 1,
  });
}

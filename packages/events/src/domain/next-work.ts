import type { EnrollmentMode, Step } from '../schemas/common.js';
import type { Enrollment, Versioned } from './state.js';

/** The job that moves an enrollment on: which step, under which generation, from which stream position. */
export interface Work {
  step: Step;
  generation: number;
  /** Sequence of the first event the step records (the stream's version + 1). */
  nextSequence: number;
  /** `new`: the enrollment's first job (scheduled behind work in progress); `continuing` otherwise. */
  admission: 'new' | 'continuing';
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
export function nextWork({ state, version }: Versioned): Work | null {
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

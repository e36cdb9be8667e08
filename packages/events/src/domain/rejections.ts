import type { Command, Rejection } from './commands.js';
import type { Enrollment } from './state.js';

/** Why the lifecycle refuses a command: one stable code per precondition the shells used to check. */
export type RejectionCode =
  /** A command for an enrollment that was never requested. */
  | 'no_enrollment'
  /** A second request for the same enrollment. */
  | 'already_requested'
  /** The enrollment ended (completed, rejected, expired, errored, canceled): nothing moves it any more. */
  | 'settled'
  /** The enrollment failed: only an ops retry moves it on. */
  | 'awaiting_retry'
  /** A retry of an enrollment that has not failed (a retry never repeats a step that succeeded). */
  | 'not_failed'
  /** The mode has no such step: an import captures nothing, a recapture creates no account. */
  | 'not_in_mode'
  /** A capture result (or its deadline) before the capture began: no poll before begin. */
  | 'capture_not_started'
  /** The account (capture) or the credential (recapture) before an accepted capture. */
  | 'capture_not_accepted'
  /** The credential before the account (capture, import). */
  | 'account_not_created'
  /** A capture result for an operation that is not the enrollment's. */
  | 'operation_mismatch'
  /** A step the enrollment is already past (a second capture start, account or credential). */
  | 'already_done'
  /** Anything else the transitions refuse. */
  | 'invalid_transition';

const SETTLED = new Set<Enrollment['status']>(['completed', 'rejected', 'expired', 'errored', 'canceled']);

/** The code for a command on a live enrollment in `state` that names a step of its mode out of order. */
function stepCode(state: Exclude<Enrollment, { status: 'none' }>, command: Command): RejectionCode {
  const { status, mode } = state;
  const beforeCapture = status === 'requested' || status === 'capture_pending';
  switch (command.type) {
    case 'CaptureStarted':
      return mode === 'import' ? 'not_in_mode' : 'already_done';
    case 'CaptureObserved':
    case 'PollDeadlinePassed':
      if (mode === 'import') return 'not_in_mode';
      if (status === 'requested') return 'capture_not_started';
      if (status === 'capture_pending' && command.operationId !== state.operation.id)
        return 'operation_mismatch';
      return 'already_done';
    case 'AccountConfirmed':
      if (mode === 'recapture') return 'not_in_mode';
      return mode === 'capture' && beforeCapture ? 'capture_not_accepted' : 'already_done';
    case 'CredentialAttached':
      if (mode !== 'import' && beforeCapture) return 'capture_not_accepted';
      if (mode !== 'recapture' && status !== 'account_created') return 'account_not_created';
      return 'already_done';
    default:
      return 'invalid_transition';
  }
}

/**
 * Why `decide` refuses `command` for `state`, once the transitions (evolve) refused it: the code names the
 * precondition, `detail` says it for people. Only ever asked about a refused command.
 */
export function explainRejection(state: Enrollment, command: Command, detail: string): Rejection {
  const code = ((): RejectionCode => {
    if (command.type === 'Request')
      return state.status === 'none' ? 'invalid_transition' : 'already_requested';
    if (state.status === 'none') return 'no_enrollment';
    if (SETTLED.has(state.status)) return 'settled';
    if (command.type === 'RetryRequested')
      return state.status === 'failed' ? 'invalid_transition' : 'not_failed';
    if (state.status === 'failed') return 'awaiting_retry';
    return stepCode(state, command);
  })();
  return { code, detail };
}

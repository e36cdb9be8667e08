import type { Step } from './schemas/common.js';
import type { EnrollmentState } from './state.js';

/**
 * The pipeline step that moves an unfinished enrollment on from its current state, or null when it is
 * terminal or failed (a failed one is retried at its failed step instead). The worker's processors chain in
 * this order; ops replay uses it to re-drive an enrollment the log shows stuck.
 */
export function nextStep(state: Pick<EnrollmentState, 'status' | 'mode'>): Step | null {
  switch (state.status) {
    case 'requested':
      return state.mode === 'import' ? 'account' : 'begin';
    case 'capture_pending':
      return 'poll';
    case 'captured':
      return state.mode === 'recapture' ? 'credential' : 'account';
    case 'account_created':
      // Also after credential_attached (same status): the credential step emits `completed` last.
      return 'credential';
    default:
      return null;
  }
}

import { InvalidTransitionError, MixedSubjectsError, SequenceConflictError } from '../../src/errors.js';
import type { EnrollmentEvent } from '../../src/envelope.js';
import { EVENT_TYPES } from '../../src/event-types.js';
import {
  INITIAL_PROGRESS,
  TERMINAL_STATUSES,
  UPSTREAM_STATUS_TO_STATUS,
  type EnrollmentState,
  type EnrollmentStatus,
} from '../../src/state.js';

// Today's fold, kept verbatim as the oracle the domain core's `evolve` is checked against.

/** Whether `apply` would ignore the event as already applied (same id), without validating the transition. */
export function isDuplicate(state: EnrollmentState | null, event: { id: string }): boolean {
  return state !== null && state.appliedEventIds.includes(event.id);
}

/**
 * Applies one event to an enrollment's state. Pure: returns the same object for a duplicate (an id already
 * applied, whatever its sequence, since a re-executed step re-emits the same id), a new object otherwise.
 * Throws SequenceConflictError for an unknown id at or below the current version, InvalidTransitionError
 * for a move the state machine does not allow.
 */
export function legacyApply(state: EnrollmentState | null, event: EnrollmentEvent): EnrollmentState {
  if (state) {
    if (event.subject !== state.id) throw new MixedSubjectsError(state.id, event.subject);
    if (isDuplicate(state, event)) return state;
    if (event.sequence <= state.version)
      throw new SequenceConflictError(state.id, event.sequence, state.version, event.id);
  }
  const invalid = (detail?: string) =>
    new InvalidTransitionError(event.subject, state?.status ?? null, event.type, detail);

  if (event.type === EVENT_TYPES.requested) {
    if (state) throw invalid('the enrollment already exists');
    if (event.data.enrollmentId !== event.subject)
      throw invalid('data.enrollmentId differs from the subject');
    const d = event.data;
    return {
      id: event.subject,
      status: 'requested',
      mode: d.mode,
      accountNumber: d.accountNumber,
      batchId: d.batchId ?? null,
      priority: d.priority,
      correlationId: event.correlationid,
      ...INITIAL_PROGRESS,
      version: event.sequence,
      createdAt: event.time,
      updatedAt: event.time,
      request: d,
      lastEventId: event.id,
      appliedEventIds: [event.id],
    };
  }
  if (!state) throw invalid('the first event must be enrollment.requested');

  const next = (patch: Partial<EnrollmentState>): EnrollmentState => ({
    ...state,
    ...patch,
    version: event.sequence,
    updatedAt: event.time,
    lastEventId: event.id,
    appliedEventIds: [...state.appliedEventIds, event.id],
  });
  const require = (ok: boolean, detail?: string) => {
    if (!ok) throw invalid(detail);
  };
  const { status, mode } = state;

  switch (event.type) {
    case EVENT_TYPES.captureStarted:
      require(status === 'requested' && mode !== 'import', mode === 'import'
        ? 'import does not capture'
        : undefined);
      return next({
        status: 'capture_pending',
        operationId: event.data.operationId,
        operationExpiresAt: event.data.operationExpiresAt,
      });

    case EVENT_TYPES.captureCompleted:
      require(status === 'capture_pending');
      require(event.data.operationId ===
        state.operationId, `operation ${event.data.operationId} is not the enrollment's ${state.operationId}`);
      return next({
        status: UPSTREAM_STATUS_TO_STATUS[event.data.upstreamStatus],
        upstreamStatus: event.data.upstreamStatus,
        upstreamMessage: event.data.message,
        tempIdExpiresAt: event.data.tempIdExpiresAt ?? null,
      });

    case EVENT_TYPES.accountCreated:
      require(mode !== 'recapture', 'recapture uses an existing account');
      require((mode === 'capture' && status === 'captured') || (mode === 'import' && status === 'requested'));
      return next({
        status: 'account_created',
        accountNumber: event.data.accountNumber,
        accountAlreadyExisted: event.data.alreadyExisted,
      });

    case EVENT_TYPES.credentialAttached:
      require(!state.credentialAttached, 'a credential is already attached');
      require(status === (mode === 'recapture' ? 'captured' : 'account_created'));
      return next({ credentialAttached: true, credentialKind: event.data.kind });

    case EVENT_TYPES.completed:
      require(state.credentialAttached, 'completed requires credential_attached');
      require(status === (mode === 'recapture' ? 'captured' : 'account_created'));
      return next({ status: 'completed' });

    case EVENT_TYPES.failed:
      require(!TERMINAL_STATUSES.has(status) && status !== 'failed');
      return next({ status: 'failed', failedFrom: status, failure: { ...event.data, failedAt: event.time } });

    case EVENT_TYPES.retried:
      require(status === 'failed' && state.failedFrom !== null);
      return next({
        status: state.failedFrom as EnrollmentStatus,
        failedFrom: null,
        failure: null,
        retries: state.retries + 1,
      });

    default: {
      const unhandled: never = event;
      throw invalid(`unhandled event type ${(unhandled as { type: string }).type}`);
    }
  }
}

/**
 * Folds an enrollment's events into its state: sorts by sequence (stable, so the first copy of a duplicate
 * wins), then applies each. Starts from `initial` when given (incremental projection).
 */
export function legacyFold(
  events: Iterable<EnrollmentEvent>,
  initial: EnrollmentState | null = null,
): EnrollmentState {
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  let state = initial;
  for (const event of sorted) state = legacyApply(state, event);
  if (!state)
    throw new InvalidTransitionError('(none)', null, '(no events)', 'fold needs at least one event');
  return state;
}

import type { EnrollmentEvent } from '../envelope.js';
import { InvalidTransitionError } from '../errors.js';
import { EVENT_TYPES } from '../event-types.js';
import { UPSTREAM_STATUS_TO_STATUS } from '../state.js';
import {
  enrollmentBase,
  type ActiveEnrollment,
  type Capture,
  type Enrollment,
  type ExistingEnrollment,
} from './state.js';

/** The parts of an event `evolve` reads (an envelope is one; `decide` checks its candidates with less). */
export type Fact = EnrollmentEvent extends infer E
  ? E extends EnrollmentEvent
    ? Pick<E, 'type' | 'data' | 'subject' | 'sequence' | 'time' | 'correlationid'>
    : never
  : never;

const isActive = (s: ExistingEnrollment): s is ActiveEnrollment =>
  s.status === 'requested' ||
  s.status === 'capture_pending' ||
  s.status === 'captured' ||
  s.status === 'account_created';

/**
 * The one place the transitions of an enrollment live: its state after `event`. Pure. Throws
 * InvalidTransitionError for a move the lifecycle does not allow (stream checks, duplicates and sequence
 * conflicts, are the fold's).
 */
export function evolve(state: Enrollment, event: Fact): ExistingEnrollment {
  const invalid = (detail?: string) =>
    new InvalidTransitionError(
      event.subject,
      state.status === 'none' ? null : state.status,
      event.type,
      detail,
    );
  if (event.type === EVENT_TYPES.requested) {
    if (state.status !== 'none') throw invalid('the enrollment already exists');
    const d = event.data;
    if (d.enrollmentId !== event.subject) throw invalid('data.enrollmentId differs from the subject');
    return {
      status: 'requested',
      id: event.subject,
      mode: d.mode,
      request: d,
      accountNumber: d.accountNumber,
      correlationId: event.correlationid,
      batchId: d.batchId ?? null,
      priority: d.priority,
      retries: 0,
      generation: 0,
      createdAt: event.time,
    };
  }
  if (state.status === 'none') throw invalid('the first event must be enrollment.requested');
  const { mode } = state;

  switch (event.type) {
    case EVENT_TYPES.captureStarted: {
      if (state.status !== 'requested' || mode === 'import')
        throw invalid(mode === 'import' ? 'import does not capture' : undefined);
      const operation = { id: event.data.operationId, expiresAt: event.data.operationExpiresAt };
      return { ...state, status: 'capture_pending', operation };
    }
    case EVENT_TYPES.captureCompleted: {
      if (state.status !== 'capture_pending') throw invalid();
      const d = event.data;
      if (d.operationId !== state.operation.id)
        throw invalid(`operation ${d.operationId} is not the enrollment's ${state.operation.id}`);
      const { operation: _, ...base } = state;
      const capture: Capture = {
        operation: state.operation,
        upstreamStatus: d.upstreamStatus,
        message: d.message,
        tempIdExpiresAt: d.tempIdExpiresAt ?? null,
      };
      return d.upstreamStatus === 1
        ? { ...base, status: 'captured', capture, credential: null }
        : { ...base, status: UPSTREAM_STATUS_TO_STATUS[d.upstreamStatus], capture };
    }
    case EVENT_TYPES.accountCreated: {
      if (mode === 'recapture') throw invalid('recapture uses an existing account');
      const account = { alreadyExisted: event.data.alreadyExisted };
      const accountNumber = event.data.accountNumber;
      if (mode === 'capture' && state.status === 'captured') {
        const { capture, credential, ...base } = state;
        return { ...base, status: 'account_created', accountNumber, account, capture, credential };
      }
      if (mode === 'import' && state.status === 'requested')
        return {
          ...state,
          status: 'account_created',
          accountNumber,
          account,
          capture: null,
          credential: null,
        };
      throw invalid();
    }
    case EVENT_TYPES.credentialAttached: {
      if ((state.status === 'captured' || state.status === 'account_created') && state.credential !== null)
        throw invalid('a credential is already attached');
      const credential = { kind: event.data.kind };
      if (mode === 'recapture' && state.status === 'captured') return { ...state, credential };
      if (mode !== 'recapture' && state.status === 'account_created') return { ...state, credential };
      throw invalid();
    }
    case EVENT_TYPES.completed: {
      const expected = mode === 'recapture' ? 'captured' : 'account_created';
      if ((state.status === 'captured' || state.status === 'account_created') && state.credential === null)
        throw invalid('completed requires credential_attached');
      if (state.status === 'captured' && expected === 'captured' && state.credential !== null) {
        const { capture, credential, ...base } = state;
        return { ...base, status: 'completed', capture, credential, account: null };
      }
      if (state.status === 'account_created' && expected === 'account_created' && state.credential !== null) {
        const { capture, credential, account, ...base } = state;
        return { ...base, status: 'completed', capture, credential, account };
      }
      throw invalid(state.status === 'completed' ? undefined : 'completed requires credential_attached');
    }
    case EVENT_TYPES.failed: {
      if (!isActive(state)) throw invalid();
      const failure = { ...event.data, failedAt: event.time };
      return { ...enrollmentBase(state), status: 'failed', failure, resume: state };
    }
    case EVENT_TYPES.retried: {
      if (state.status !== 'failed') throw invalid();
      // The stream goes on under the retry's generation; the retried event is its first position.
      return { ...state.resume, retries: state.retries + 1, generation: event.sequence };
    }
    default: {
      const unhandled: never = event;
      throw invalid(`unhandled event type ${(unhandled as { type: string }).type}`);
    }
  }
}

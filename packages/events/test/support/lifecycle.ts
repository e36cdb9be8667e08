import { EVENT_TYPES, type EnrollmentEvent, type EnrollmentMode } from '../../src/index.js';
import { requestedData, Stream } from './builders.js';
import type { Command, PendingEvent } from './given.js';

// The vocabulary of the decider specification (decider.*.unit.test.ts): the streams an enrollment is in,
// the commands the pipeline observes and the events they record, each named as the lifecycle names it.

export const OPERATION = 'op-spec';
export const EXPIRES = '2025-01-01T01:00:00.000Z';

/** An enrollment's stream, built event by event (`Stream` gives consecutive sequences and ids). */
export function stream(mode: EnrollmentMode = 'capture', id = `enr-${mode}`): Stream {
  const s = new Stream(id);
  s.requested(mode);
  return s;
}
export const events = (s: Stream): EnrollmentEvent[] => [...s.events];

/** A capture-mode stream whose capture started with OPERATION. */
export function capturing(mode: 'capture' | 'recapture' = 'capture'): Stream {
  const s = stream(mode);
  s.captureStarted(OPERATION);
  return s;
}

/** A capture-mode stream whose capture OPERATION was accepted (upstream status 1). */
export function captured(mode: 'capture' | 'recapture' = 'capture'): Stream {
  const s = capturing(mode);
  s.captureCompleted(1, OPERATION);
  return s;
}

export const command = {
  request: (id: string, mode: EnrollmentMode): Command => ({
    type: 'Request',
    request: requestedData(id, mode),
  }),
  captureStarted: (): Command => ({
    type: 'CaptureStarted',
    operationId: OPERATION,
    operationExpiresAt: EXPIRES,
    transport: 'inline',
  }),
  captureObserved: (upstreamStatus: 1 | 2 | 3 | 4 | 5, operationId = OPERATION): Command => ({
    type: 'CaptureObserved',
    operationId,
    upstreamStatus,
    message: upstreamStatus === 1 ? null : 'the upstream said no',
  }),
  accountConfirmed: (id: string, alreadyExisted = false): Command => ({
    type: 'AccountConfirmed',
    accountNumber: `acct-${id}`,
    alreadyExisted,
  }),
  credentialAttached: (id: string, kind: 'proofed' | 'biometric' = 'proofed'): Command => ({
    type: 'CredentialAttached',
    accountNumber: `acct-${id}`,
    kind,
    replacedPrevious: false,
  }),
  stepFailed: (step: 'begin' | 'poll' | 'account' | 'credential'): Command => ({
    type: 'StepFailed',
    step,
    code: 'upstream_unavailable',
    message: 'gave up',
    retryable: true,
    attempts: 5,
  }),
  retryRequested: (): Command => ({ type: 'RetryRequested', reason: 'ops', requestedBy: 'ops@example.com' }),
};

export const recorded = {
  requested: (id: string, mode: EnrollmentMode): PendingEvent => ({
    type: EVENT_TYPES.requested,
    data: requestedData(id, mode),
  }),
  captureStarted: (): PendingEvent => ({
    type: EVENT_TYPES.captureStarted,
    data: { operationId: OPERATION, operationExpiresAt: EXPIRES, transport: 'inline' },
  }),
  captureCompleted: (upstreamStatus: 1 | 2 | 3 | 4 | 5, message: string | null = null): PendingEvent => ({
    type: EVENT_TYPES.captureCompleted,
    data: { operationId: OPERATION, upstreamStatus, message },
  }),
  accountCreated: (id: string, alreadyExisted = false): PendingEvent => ({
    type: EVENT_TYPES.accountCreated,
    data: { accountNumber: `acct-${id}`, alreadyExisted },
  }),
  credentialAttachedAndCompleted: (id: string, kind: 'proofed' | 'biometric' = 'proofed'): PendingEvent[] => [
    {
      type: EVENT_TYPES.credentialAttached,
      data: { accountNumber: `acct-${id}`, kind, replacedPrevious: false },
    },
    { type: EVENT_TYPES.completed, data: {} },
  ],
};

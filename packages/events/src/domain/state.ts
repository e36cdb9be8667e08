import type { RequestedData } from '../event-types.js';
import type { EnrollmentMode, Priority } from '../schemas/common.js';
import type { EnrollmentFailure } from '../state.js';

/** What every existing enrollment has, whatever its status. */
export interface EnrollmentBase {
  id: string;
  mode: EnrollmentMode;
  request: RequestedData;
  accountNumber: string;
  correlationId: string;
  batchId: string | null;
  priority: Priority;
  retries: number;
  /** Sequence of the last `retried` event (0 before any): job ids and event ids of the work after it. */
  generation: number;
  createdAt: string;
}

/**
 * The fields every variant shares, and only those: a variant built from another (failed from an active one) must
 * not carry the other's status-specific fields.
 */
export function enrollmentBase(state: EnrollmentBase): EnrollmentBase {
  const {
    id,
    mode,
    request,
    accountNumber,
    correlationId,
    batchId,
    priority,
    retries,
    generation,
    createdAt,
  } = state;
  return {
    id,
    mode,
    request,
    accountNumber,
    correlationId,
    batchId,
    priority,
    retries,
    generation,
    createdAt,
  };
}

export interface Operation {
  id: string;
  expiresAt: string;
}
/** A capture that reached a final upstream status. */
export interface Capture {
  operation: Operation;
  upstreamStatus: 1 | 2 | 3 | 4 | 5;
  message: string | null;
  tempIdExpiresAt: string | null;
}
export interface Account {
  alreadyExisted: boolean;
}
export interface Credential {
  kind: 'proofed' | 'biometric';
}

export type Requested = EnrollmentBase & { status: 'requested' };
export type CapturePending = EnrollmentBase & { status: 'capture_pending'; operation: Operation };
/** Capture and recapture; a recapture's credential is attached here (it has no account step). */
export type Captured = EnrollmentBase & {
  status: 'captured';
  capture: Capture;
  credential: Credential | null;
};
/** Capture and import (capture null); the credential is attached in this status. */
export type AccountCreated = EnrollmentBase & {
  status: 'account_created';
  account: Account;
  capture: Capture | null;
  credential: Credential | null;
};
export type Completed = EnrollmentBase & {
  status: 'completed';
  credential: Credential;
  account: Account | null;
  capture: Capture | null;
};
export type CaptureEnded = EnrollmentBase & {
  status: 'rejected' | 'expired' | 'errored' | 'canceled';
  capture: Capture;
};
/** The statuses a step can fail from, and a retry returns to. */
export type ActiveEnrollment = Requested | CapturePending | Captured | AccountCreated;
export type Failed = EnrollmentBase & {
  status: 'failed';
  failure: EnrollmentFailure;
  resume: ActiveEnrollment;
};

/** An enrollment in the domain core: one variant per status, each with only the fields it really has. */
export type Enrollment = { status: 'none' } | ActiveEnrollment | Completed | CaptureEnded | Failed;
export type ExistingEnrollment = Exclude<Enrollment, { status: 'none' }>;

/** Where an enrollment starts, before its `requested` event. */
export const NO_ENROLLMENT: Enrollment = { status: 'none' };

/** Stream metadata beside the domain state: the position of the last event folded. */
export interface Versioned<S extends Enrollment = Enrollment> {
  state: S;
  version: number;
  lastEventId: string | null;
  updatedAt: string | null;
}

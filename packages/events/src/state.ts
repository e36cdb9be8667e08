import type { EnrollmentMode, Priority, Step } from './schemas/common.js';
import type { RequestedData } from './event-types.js';

export const ENROLLMENT_STATUSES = [
  'requested',
  'capture_pending',
  'captured',
  'account_created',
  'completed',
  'rejected',
  'expired',
  'errored',
  'canceled',
  'failed',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** No event leaves these. `failed` is not among them: ops can retry it. */
export const TERMINAL_STATUSES: ReadonlySet<EnrollmentStatus> = new Set<EnrollmentStatus>([
  'completed',
  'rejected',
  'expired',
  'errored',
  'canceled',
]);

/** Upstream operation status (2..5) to the terminal status it leads to; 1 (accepted) leads to `captured`. */
export const UPSTREAM_STATUS_TO_STATUS = {
  1: 'captured',
  2: 'rejected',
  3: 'expired',
  4: 'errored',
  5: 'canceled',
} as const satisfies Record<1 | 2 | 3 | 4 | 5, EnrollmentStatus>;

export interface EnrollmentFailure {
  step: Step;
  code: string;
  message: string;
  retryable: boolean;
  attempts: number;
  failedAt: string;
}

/** The fold of an enrollment's events. Never stored as truth: a projection of the log. */
export interface EnrollmentState {
  id: string;
  status: EnrollmentStatus;
  mode: EnrollmentMode;
  accountNumber: string;
  batchId: string | null;
  priority: Priority;
  correlationId: string;
  operationId: string | null;
  operationExpiresAt: string | null;
  upstreamStatus: number | null;
  upstreamMessage: string | null;
  tempIdExpiresAt: string | null;
  accountAlreadyExisted: boolean | null;
  /** credential_attached keeps the status (there is no status for it) and sets this; `completed` requires it. */
  credentialAttached: boolean;
  credentialKind: 'proofed' | 'biometric' | null;
  failure: EnrollmentFailure | null;
  /** Status before the current failure; `retried` returns to it. */
  failedFrom: EnrollmentStatus | null;
  retries: number;
  /** Sequence of the last applied event. */
  version: number;
  createdAt: string;
  updatedAt: string;
  request: RequestedData;
  lastEventId: string;
  /** Ids of every applied event, in order: how redelivered and re-emitted events are recognised. */
  appliedEventIds: string[];
}

/** The progress fields of a freshly requested enrollment (fold starts here; the read model omits them while unchanged). */
export const INITIAL_PROGRESS = {
  operationId: null,
  operationExpiresAt: null,
  upstreamStatus: null,
  upstreamMessage: null,
  tempIdExpiresAt: null,
  accountAlreadyExisted: null,
  credentialAttached: false,
  credentialKind: null,
  failure: null,
  failedFrom: null,
  retries: 0,
} as const satisfies Partial<EnrollmentState>;

import { CorruptRecordError } from '../errors.js';
import { INITIAL_PROGRESS, type EnrollmentState, type EnrollmentStatus } from '../state.js';
import type { ActiveEnrollment, Capture, EnrollmentBase, ExistingEnrollment, Operation } from './state.js';

// The read model stores the flat `EnrollmentState` record (its format is unchanged); these two functions
// translate between it and the domain's union. The record does not keep the retry generation: a state read
// back from it has generation 0 (work after a retry takes its generation from the `retried` event).

export interface RecordMeta {
  version: number;
  updatedAt: string;
  lastEventId: string;
  appliedEventIds: string[];
}

const isFinal = (n: number | null): n is 1 | 2 | 3 | 4 | 5 =>
  n === 1 || n === 2 || n === 3 || n === 4 || n === 5;

/** The flat record of a domain state, field for field what the fold has always produced. */
export function toRecord(state: ExistingEnrollment, meta: RecordMeta): EnrollmentState {
  const progress = state.status === 'failed' ? state.resume : state;
  let operation: Operation | null = null;
  let capture: Capture | null = null;
  if (progress.status === 'capture_pending') operation = progress.operation;
  else if (progress.status !== 'requested') {
    capture = progress.capture;
    operation = capture?.operation ?? null;
  }
  const account = 'account' in progress ? progress.account : null;
  const credential = 'credential' in progress ? progress.credential : null;
  return {
    id: state.id,
    status: state.status,
    mode: state.mode,
    accountNumber: state.accountNumber,
    batchId: state.batchId,
    priority: state.priority,
    correlationId: state.correlationId,
    ...INITIAL_PROGRESS,
    operationId: operation?.id ?? null,
    operationExpiresAt: operation?.expiresAt ?? null,
    upstreamStatus: capture?.upstreamStatus ?? null,
    upstreamMessage: capture?.message ?? null,
    tempIdExpiresAt: capture?.tempIdExpiresAt ?? null,
    accountAlreadyExisted: account?.alreadyExisted ?? null,
    credentialAttached: credential !== null,
    credentialKind: credential?.kind ?? null,
    failure: state.status === 'failed' ? state.failure : null,
    failedFrom: state.status === 'failed' ? state.resume.status : null,
    retries: state.retries,
    version: meta.version,
    createdAt: state.createdAt,
    updatedAt: meta.updatedAt,
    request: state.request,
    lastEventId: meta.lastEventId,
    appliedEventIds: meta.appliedEventIds,
  };
}

/** The domain state of a flat record; CorruptRecordError when its fields contradict its status. */
export function fromRecord(record: EnrollmentState): ExistingEnrollment {
  const base: EnrollmentBase = {
    id: record.id,
    mode: record.mode,
    request: record.request,
    accountNumber: record.accountNumber,
    correlationId: record.correlationId,
    batchId: record.batchId,
    priority: record.priority,
    retries: record.retries,
    generation: 0,
    createdAt: record.createdAt,
  };
  const corrupt = (what: string) =>
    new CorruptRecordError(`enrollment ${record.id} (${record.status}) has no ${what}`);
  const operation: Operation | null =
    record.operationId !== null && record.operationExpiresAt !== null
      ? { id: record.operationId, expiresAt: record.operationExpiresAt }
      : null;
  const upstreamStatus = record.upstreamStatus;
  const capture: Capture | null =
    operation !== null && isFinal(upstreamStatus)
      ? {
          operation,
          upstreamStatus,
          message: record.upstreamMessage,
          tempIdExpiresAt: record.tempIdExpiresAt,
        }
      : null;
  const credential = record.credentialKind !== null ? { kind: record.credentialKind } : null;
  const account =
    record.accountAlreadyExisted !== null ? { alreadyExisted: record.accountAlreadyExisted } : null;

  const active = (status: EnrollmentStatus): ActiveEnrollment => {
    switch (status) {
      case 'requested':
        return { ...base, status };
      case 'capture_pending':
        if (!operation) throw corrupt('operation');
        return { ...base, status, operation };
      case 'captured':
        if (!capture) throw corrupt('capture');
        return { ...base, status, capture, credential };
      case 'account_created':
        if (!account) throw corrupt('account');
        return { ...base, status, account, capture, credential };
      default:
        throw corrupt('active status to resume');
    }
  };
  switch (record.status) {
    case 'completed':
      if (!credential) throw corrupt('credential');
      return { ...base, status: 'completed', credential, account, capture };
    case 'rejected':
    case 'expired':
    case 'errored':
    case 'canceled':
      if (!capture) throw corrupt('capture');
      return { ...base, status: record.status, capture };
    case 'failed':
      if (!record.failure || !record.failedFrom) throw corrupt('failure');
      return { ...base, status: 'failed', failure: record.failure, resume: active(record.failedFrom) };
    default:
      return active(record.status);
  }
}

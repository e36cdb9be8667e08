import { CodedError } from '@verified-onboard/events';

/**
 * Errors the pipeline raises itself (upstream errors come typed from @verified-onboard/verified-client).
 * `code` is stable: it lands in `enrollment.failed` events and in metrics.
 */
export abstract class PipelineError extends CodedError {
  /** Whether an ops retry (same input) could succeed later. */
  abstract readonly retryable: boolean;
}

/** The account number exists upstream and no intent of this enrollment explains it. */
export class AccountConflictError extends PipelineError {
  readonly code = 'account_conflict';
  readonly retryable = false;
}

/** The account already has a credential this enrollment did not create. */
export class CredentialConflictError extends PipelineError {
  readonly code = 'credential_conflict';
  readonly retryable = false;
}

/** The TempId is past its 72 h life (or was never kept): a new capture is needed. */
export class TempIdTooOldError extends PipelineError {
  readonly code = 'tempid_expired';
  readonly retryable = false;
}

/** The selfie of an import is no longer in the vault (TTL elapsed) or fails its integrity check. */
export class SelfieUnavailableError extends PipelineError {
  readonly code = 'selfie_unavailable';
  readonly retryable = false;
}

/** A job or event lacks what its step needs (e.g. a poll without a known operation). */
export class MissingContextError extends PipelineError {
  readonly code = 'missing_context';
  readonly retryable = false;
}

/** The upstream reported an accepted capture but returned no TempId. */
export class MissingTempIdError extends PipelineError {
  readonly code = 'tempid_missing';
  readonly retryable = true;
}

/** Kafka did not acknowledge an event; the step is retried (its outcome is recorded, so nothing repeats upstream). */
export class EmitFailedError extends PipelineError {
  readonly code = 'emit_failed';
  readonly retryable = true;
}

/**
 * The job does not carry the request and the read model has not applied the `requested` event yet. Not
 * a failure: the runner parks the job briefly, without using up an attempt, until the projector caught up.
 */
export class RequestNotProjectedError extends PipelineError {
  readonly code = 'request_not_projected';
  readonly retryable = true;
}

import type { EndpointName } from './endpoints.js';

export interface VerifiedErrorDetails {
  endpoint: EndpointName;
  httpStatus?: number;
  upstreamId?: string;
  upstreamMessage?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Base of every error the client throws. `code` is stable and safe to branch on and to put in events;
 * `retryable` tells a job runner whether trying the same call again later can succeed.
 * Messages never contain request bodies, tokens or secrets.
 */
export abstract class VerifiedError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly endpoint: EndpointName;
  readonly httpStatus?: number;
  readonly upstreamId?: string;
  readonly upstreamMessage?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, details: VerifiedErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.endpoint = details.endpoint;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.upstreamId !== undefined) this.upstreamId = details.upstreamId;
    if (details.upstreamMessage !== undefined) this.upstreamMessage = details.upstreamMessage;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }

  /** Log-safe summary (no cause chain, which may hold socket details but never payloads). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      retryable: this.retryable,
      endpoint: this.endpoint,
      httpStatus: this.httpStatus,
      upstreamId: this.upstreamId,
      upstreamMessage: this.upstreamMessage,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
    };
  }
}

/** 5xx, connection refused/reset: the upstream (or the path to it) is down for now. */
export class UpstreamUnavailableError extends VerifiedError {
  readonly code = 'upstream_unavailable';
  readonly retryable = true;
}

/** No complete answer within `timeoutMs` (or the connect timeout). The effect may or may not have happened. */
export class UpstreamTimeoutError extends VerifiedError {
  readonly code = 'upstream_timeout';
  readonly retryable = true;
}

/** 429. `retryAfterMs` carries the upstream's Retry-After when it sent one. */
export class RateLimitedError extends VerifiedError {
  readonly code = 'rate_limited';
  readonly retryable = true;
}

/** 401 that survived one re-authentication, or the API key itself was refused. */
export class AuthenticationError extends VerifiedError {
  readonly code = 'upstream_unauthenticated';
  readonly retryable = false;
}

/** 4xx the upstream considers invalid input; repeating the same request cannot succeed. */
export class UpstreamRejectedError extends VerifiedError {
  readonly code = 'upstream_rejected';
  readonly retryable = false;
}

/** 404 on an id the upstream does not know. */
export class UpstreamNotFoundError extends VerifiedError {
  readonly code = 'upstream_not_found';
  readonly retryable = false;
}

/**
 * CreateAccount found the AccountNumber taken (E_ACCOUNT_ALREADY_EXISTS or 409). Not a failure by itself:
 * the caller decides whether the existing account is its own earlier effect.
 */
export class AccountAlreadyExistsError extends VerifiedError {
  readonly code = 'account_exists';
  readonly retryable = false;
}

/** The account already has a biometric credential (E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS). */
export class CredentialAlreadyExistsError extends VerifiedError {
  readonly code = 'credential_exists';
  readonly retryable = false;
}

/** The TempId is past its 72 h life (or its data was purged): a new capture is needed. */
export class TempIdExpiredError extends VerifiedError {
  readonly code = 'tempid_expired';
  readonly retryable = false;
}

/**
 * The upstream answered 2xx with a body that does not match the documented shape. Retrying the
 * same call would most likely get the same body, so it is permanent and needs a human.
 */
export class UpstreamContractError extends VerifiedError {
  readonly code = 'upstream_contract_violation';
  readonly retryable = false;
}

/** Our own input failed validation before anything was sent (a bug in the caller, not an upstream answer). */
export class InvalidRequestError extends VerifiedError {
  readonly code = 'invalid_request';
  readonly retryable = false;
}

export function isVerifiedError(error: unknown): error is VerifiedError {
  return error instanceof VerifiedError;
}

/** The upstream's documented error IDs the client gives a class of their own. */
export const UPSTREAM_ERROR_IDS = {
  accountExists: 'E_ACCOUNT_ALREADY_EXISTS',
  credentialExists: 'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS',
  tempIdExpired: 'E_TEMPID_EXPIRED',
  notAuthenticated: 'E_USER_NOT_AUTHENTICATED',
} as const;

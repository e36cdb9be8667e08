import { STATUS_CODES } from 'node:http';

/**
 * Every client-facing failure is an RFC 9457 problem (`application/problem+json`). Its `type` is a URN that ends
 * in our stable `code` (also kept as a member, so clients switch on one short string), and field problems are
 * listed under `errors` as `{ field, reason }`.
 */
export interface ErrorDetail {
  field: string | null;
  reason: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_PREFIX = 'urn:verified-onboard:problem:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Names this occurrence: the request id the api logged it under. */
  instance: string;
  code: string;
  errors?: ErrorDetail[];
}

/** The problem `instance` for a request id; the same id is in the log line and the X-Request-Id header. */
export const problemInstance = (requestId: string) => `urn:verified-onboard:request:${requestId}`;

export abstract class ApiError extends Error {
  abstract readonly statusCode: number;
  readonly headers: Record<string, string> = {};
  constructor(
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  toProblem(requestId: string): ProblemBody {
    return {
      type: `${PROBLEM_TYPE_PREFIX}${this.code}`,
      title: STATUS_CODES[this.statusCode] ?? 'Error',
      status: this.statusCode,
      detail: this.message,
      instance: problemInstance(requestId),
      code: this.code,
      ...(this.details.length > 0 ? { errors: this.details } : {}),
    };
  }
}

export class ValidationFailedError extends ApiError {
  readonly statusCode = 400;
  constructor(details: ErrorDetail[], message = 'The request is invalid.', code = 'validation_failed') {
    super(code, message, details);
  }
}

export class UnauthenticatedError extends ApiError {
  readonly statusCode = 401;
  constructor(
    message = 'A valid API key is required (Authorization: Bearer keyId:secret or X-API-Key).',
    code = 'unauthenticated',
  ) {
    super(code, message);
  }
}

export class ForbiddenError extends ApiError {
  readonly statusCode = 403;
  constructor(scope: string, code = 'forbidden', message = `This API key lacks the scope "${scope}".`) {
    super(code, message, [{ field: null, reason: `missing scope ${scope}` }]);
  }
}

/** A mutating Bull Board call while the dashboard is read-only (OPS_DASHBOARD_WRITABLE unset). */
export class DashboardReadOnlyError extends ApiError {
  readonly statusCode = 403;
  constructor() {
    super(
      'dashboard_read_only',
      'The queue dashboard is read-only; use the audited /v1/ops routes (or set OPS_DASHBOARD_WRITABLE=1).',
    );
  }
}

export class NotFoundError extends ApiError {
  readonly statusCode = 404;
  constructor(what: string, code = 'not_found') {
    super(code, `${what} was not found.`);
  }
}

export class ConflictError extends ApiError {
  readonly statusCode = 409;
  constructor(code: string, message: string, retryAfterSec?: number) {
    super(code, message);
    if (retryAfterSec !== undefined) this.headers['retry-after'] = String(retryAfterSec);
  }
}

export class PayloadTooLargeError extends ApiError {
  readonly statusCode = 413;
  constructor(message: string, code = 'payload_too_large') {
    super(code, message);
  }
}

export class UriTooLongError extends ApiError {
  readonly statusCode = 414;
  constructor() {
    super('uri_too_long', 'A path segment of the URL is longer than the api accepts.');
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  readonly statusCode = 415;
  constructor(contentType: string | undefined, accepted: readonly string[]) {
    super(
      'unsupported_media_type',
      `Content-Type ${contentType ? `"${contentType}"` : '(none)'} is not accepted here; use one of: ${accepted.join(', ')}.`,
    );
  }
}

export class UnprocessableError extends ApiError {
  readonly statusCode = 422;
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}

export class TooManyRequestsError extends ApiError {
  readonly statusCode = 429;
  constructor(retryAfterSec: number) {
    super('rate_limited', `Too many requests for this API key; retry in ${retryAfterSec} s.`);
    this.headers['retry-after'] = String(retryAfterSec);
  }
}

export class ServiceUnavailableError extends ApiError {
  readonly statusCode = 503;
  constructor(code: string, message: string, retryAfterSec = 5, details: ErrorDetail[] = []) {
    super(code, message, details);
    this.headers['retry-after'] = String(retryAfterSec);
  }
}

export class InternalError extends ApiError {
  readonly statusCode = 500;
  constructor() {
    super('internal_error', 'An unexpected error occurred; it was logged.');
  }
}

/** An upstream (the event log) failed in a way that leaves the outcome open: the request may have taken effect. */
export class BadGatewayError extends ApiError {
  readonly statusCode = 502;
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}

export class TooManyConcurrentBatchesError extends ApiError {
  readonly statusCode = 429;
  constructor(limit: number, retryAfterSec: number) {
    super(
      'too_many_concurrent_batches',
      `This API key is already streaming ${limit} batch(es); retry in ${retryAfterSec} s, once one has finished.`,
    );
    this.headers['retry-after'] = String(retryAfterSec);
  }
}

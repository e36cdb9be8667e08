import type { EndpointName } from '../endpoints.js';
import {
  AccountAlreadyExistsError,
  AuthenticationError,
  CredentialAlreadyExistsError,
  RateLimitedError,
  TempIdExpiredError,
  UPSTREAM_ERROR_IDS,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type VerifiedError,
  type VerifiedErrorDetails,
} from '../errors.js';
import { readUpstreamError } from '../schemas/error-body.js';
import { parseRetryAfter } from './retry-after.js';

const CREDENTIAL_ENDPOINTS: ReadonlySet<EndpointName> = new Set(['proofedCredential', 'bioCredential']);

/** Turns a non-2xx upstream answer into the typed error the caller branches on. */
export function mapHttpError(
  endpoint: EndpointName,
  status: number,
  body: unknown,
  retryAfterHeader: string | string[] | undefined,
  nowMs: number = Date.now(),
): VerifiedError {
  const upstream = readUpstreamError(body);
  const details: VerifiedErrorDetails = { endpoint, httpStatus: status, ...upstream };
  const id = upstream.upstreamId;
  const label = `${endpoint}: HTTP ${status}${id ? ` ${id}` : ''}`;

  // The documented IDs decide first: the upstream's HTTP status for them is not documented and may vary.
  if (id === UPSTREAM_ERROR_IDS.accountExists || (status === 409 && endpoint === 'createAccount')) {
    return new AccountAlreadyExistsError(`${label}: account already exists`, details);
  }
  if (
    id === UPSTREAM_ERROR_IDS.credentialExists ||
    (CREDENTIAL_ENDPOINTS.has(endpoint) &&
      (status === 409 || /biometric credentials? already exists?/i.test(upstream.upstreamMessage ?? '')))
  ) {
    return new CredentialAlreadyExistsError(`${label}: biometric credential already exists`, details);
  }
  if (id === UPSTREAM_ERROR_IDS.tempIdExpired) {
    return new TempIdExpiredError(`${label}: TempId expired`, details);
  }
  if (status === 401) return new AuthenticationError(`${label}: not authenticated`, details);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfterHeader, nowMs);
    return new RateLimitedError(
      `${label}: rate limited`,
      retryAfterMs === undefined ? details : { ...details, retryAfterMs },
    );
  }
  if (status === 408) return new UpstreamTimeoutError(`${label}: upstream timed out`, details);
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfterHeader, nowMs);
    return new UpstreamUnavailableError(
      `${label}: upstream unavailable`,
      retryAfterMs === undefined ? details : { ...details, retryAfterMs },
    );
  }
  if (status === 404) return new UpstreamNotFoundError(`${label}: not found`, details);
  return new UpstreamRejectedError(`${label}: rejected`, details);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Maps a failure below HTTP (socket, DNS, timeout) to a retryable error. */
export function mapTransportError(
  endpoint: EndpointName,
  error: unknown,
  timeoutMs: number,
  timedOut: boolean,
): VerifiedError {
  const code = errorCode(error);
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new UpstreamTimeoutError(`${endpoint}: no answer within ${timeoutMs} ms`, {
      endpoint,
      cause: error,
    });
  }
  return new UpstreamUnavailableError(`${endpoint}: connection failed (${code ?? 'unknown'})`, {
    endpoint,
    cause: error,
  });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps socket errors; the errno code may sit one or two causes down.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

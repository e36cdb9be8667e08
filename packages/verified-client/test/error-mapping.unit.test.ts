import { describe, expect, it } from 'vitest';
import { mapHttpError, mapTransportError } from '../src/http/error-mapping.js';
import { parseRetryAfter } from '../src/http/retry-after.js';
import {
  AccountAlreadyExistsError,
  AuthenticationError,
  CredentialAlreadyExistsError,
  RateLimitedError,
  TempIdExpiredError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../src/errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and malformed values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });
});

describe('mapHttpError', () => {
  it('keeps the upstream ID and Message', () => {
    const error = mapHttpError(
      'createOperation',
      400,
      { ID: 'E_BAD', Message: "Operation with name 'X' not found", StackTrace: 'x' },
      undefined,
    );
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({
      code: 'upstream_rejected',
      retryable: false,
      httpStatus: 400,
      upstreamId: 'E_BAD',
      endpoint: 'createOperation',
    });
    expect(error.upstreamMessage).toBe("Operation with name 'X' not found");
  });

  it.each([
    ['createAccount', 'E_ACCOUNT_ALREADY_EXISTS', AccountAlreadyExistsError, 'account_exists'],
    ['proofedCredential', 'E_TEMPID_EXPIRED', TempIdExpiredError, 'tempid_expired'],
  ] as const)('maps %s answering 400 with ID %s to a permanent typed error', (endpoint, id, type, code) => {
    const error = mapHttpError(endpoint, 400, { ID: id, Message: 'from upstream' }, undefined);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, retryable: false, upstreamId: id });
  });

  it('treats a 409 on createAccount as account_exists, and a 409 elsewhere not', () => {
    expect(mapHttpError('createAccount', 409, undefined, undefined)).toBeInstanceOf(
      AccountAlreadyExistsError,
    );
    // A 409 elsewhere is not an account conflict.
    expect(mapHttpError('createOperation', 409, undefined, undefined)).toBeInstanceOf(UpstreamRejectedError);
  });

  it('maps credential duplicates by ID, by 409 and by the documented message on credential endpoints', () => {
    expect(
      mapHttpError('proofedCredential', 400, { ID: 'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS' }, undefined),
    ).toBeInstanceOf(CredentialAlreadyExistsError);
    expect(mapHttpError('bioCredential', 409, {}, undefined)).toMatchObject({ code: 'credential_exists' });
    expect(
      mapHttpError('bioCredential', 400, { Message: 'Biometric credentials already exist' }, undefined),
    ).toBeInstanceOf(CredentialAlreadyExistsError);
  });

  it('maps 429 with Retry-After to a retryable rate_limited carrying retryAfterMs', () => {
    const error = mapHttpError('getAccount', 429, undefined, '2');
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    expect(mapHttpError('getAccount', 429, undefined, undefined).retryAfterMs).toBeUndefined();
  });

  it('maps 5xx to retryable upstream_unavailable and 408 to upstream_timeout', () => {
    for (const status of [500, 502, 503, 504]) {
      const error = mapHttpError('beginBiometry', status, { Message: 'NullReferenceException' }, undefined);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error.retryable).toBe(true);
    }
    expect(mapHttpError('beginBiometry', 503, undefined, '4').retryAfterMs).toBe(4000);
    expect(mapHttpError('beginBiometry', 408, undefined, undefined)).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('maps 401, 404 and other 4xx', () => {
    expect(mapHttpError('getAccount', 401, { ID: 'E_USER_NOT_AUTHENTICATED' }, undefined)).toMatchObject({
      code: 'upstream_unauthenticated',
      retryable: false,
    });
    expect(mapHttpError('operationStatus', 404, undefined, undefined)).toBeInstanceOf(UpstreamNotFoundError);
    expect(mapHttpError('operationStatus', 403, undefined, undefined)).toBeInstanceOf(UpstreamRejectedError);
    expect(mapHttpError('operationStatus', 401, undefined, undefined)).toBeInstanceOf(AuthenticationError);
  });

  it('ignores a non-object error body', () => {
    const error = mapHttpError('getAccount', 400, 'plain text', undefined);
    expect(error.upstreamId).toBeUndefined();
    expect(error.upstreamMessage).toBeUndefined();
  });
});

describe('mapTransportError', () => {
  it('maps our own deadline and undici timeouts to upstream_timeout', () => {
    expect(mapTransportError('token', new Error('aborted'), 50, true)).toBeInstanceOf(UpstreamTimeoutError);
    expect(
      mapTransportError(
        'token',
        Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
        50,
        false,
      ),
    ).toBeInstanceOf(UpstreamTimeoutError);
  });
  it('maps refused and reset connections (also when wrapped) to upstream_unavailable', () => {
    const refused = mapTransportError(
      'token',
      Object.assign(new Error('c'), { code: 'ECONNREFUSED' }),
      50,
      false,
    );
    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect(refused.message).toContain('ECONNREFUSED');
    const wrapped = new Error('other side closed', {
      cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }),
    });
    expect(mapTransportError('token', wrapped, 50, false)).toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
    });
  });
});

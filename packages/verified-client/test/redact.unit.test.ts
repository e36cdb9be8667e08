import { describe, expect, it } from 'vitest';
import { REDACTED, redact, safeLogger } from '../src/redact.js';
import { UpstreamRejectedError } from '../src/errors.js';

describe('redact', () => {
  it('replaces secret-looking fields at any depth and in either casing', () => {
    const out = redact({
      endpoint: 'token',
      AccessToken: 'at',
      nested: {
        refreshToken: 'rt',
        OneTimeSecret: 'ots',
        TempId: 'tid',
        Data: 'img',
        apiKeyValue: 'k',
        authorization: 'Bearer x',
      },
      list: [{ password: 'p' }],
      status: 1,
    });
    expect(out).toEqual({
      endpoint: 'token',
      AccessToken: REDACTED,
      nested: {
        refreshToken: REDACTED,
        OneTimeSecret: REDACTED,
        TempId: REDACTED,
        Data: REDACTED,
        apiKeyValue: REDACTED,
        authorization: REDACTED,
      },
      list: [{ password: REDACTED }],
      status: 1,
    });
  });

  it('handles cycles and typed errors', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
    const error = new UpstreamRejectedError('bad', {
      endpoint: 'getAccount',
      httpStatus: 400,
      upstreamId: 'E_X',
    });
    expect(redact({ err: error })).toMatchObject({
      err: { code: 'upstream_rejected', upstreamId: 'E_X', httpStatus: 400 },
    });
  });

  it('wraps a logger so every call is redacted, and tolerates no logger', () => {
    const lines: unknown[] = [];
    const logger = safeLogger({ debug: (obj) => lines.push(obj), warn: (obj) => lines.push(obj) });
    logger.debug({ token: 'secret-token' });
    logger.warn({ secretKey: 'k' });
    expect(lines).toEqual([{ token: REDACTED }, { secretKey: REDACTED }]);
    expect(() => safeLogger(undefined).warn({ x: 1 })).not.toThrow();
  });
});

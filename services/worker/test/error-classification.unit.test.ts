import { UpstreamUnavailableError } from '@verified-onboard/verified-client';
import { describe, expect, it } from 'vitest';
import { MissingContextError } from '../src/errors.js';
import { describeError } from '../src/pipeline/error-classification.js';

describe('describeError', () => {
  it("keeps an unknown error's own text out of the published message (it reaches every ops list)", () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 10.20.30.40:6379 (redis-internal.corp)'), {
      code: 'ECONNREFUSED',
    });
    const info = describeError(socket);
    expect(info.code).toBe('internal_error');
    expect(info.message).not.toMatch(/10\.20\.30\.40|redis-internal/);
    expect(info.message).toContain('Error');
    expect(info.logDetail).toContain('10.20.30.40');
    expect(info.retryable).toBe(true);
  });

  it('keeps a safe code of an unknown error and never a thrown non-Error value', () => {
    const info = describeError({ code: 'invalid_event', message: 'field displayName: Alice Example' });
    expect(info).toMatchObject({ code: 'invalid_event', retryable: false });
    expect(info.message).not.toContain('Alice');
    expect(describeError('a string with secret=abc').message).not.toContain('secret=abc');
  });

  it('publishes the fixed messages of typed errors as they are', () => {
    const upstream = new UpstreamUnavailableError('upstream answered 503', { endpoint: 'createAccount' });
    expect(describeError(upstream).message).toBe('upstream answered 503');
    const pipeline = describeError(new MissingContextError('request not found'));
    expect(pipeline).toMatchObject({
      code: 'missing_context',
      message: 'request not found',
      retryable: false,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { createRedactor, InvalidRedactPathError } from '../src/index.js';

const C = '[redacted]';
const redact = createRedactor(
  [
    'tempId',
    'selfie.data',
    'req.headers.authorization',
    'req.headers["x-api-key"]',
    '*.token',
    '*.data.selfie',
  ],
  C,
);

describe('createRedactor', () => {
  it('returns a clean object itself: nothing copied', () => {
    const line = { enrollmentId: 'e-1', step: 'begin', events: ['a', 'b'], nested: { ok: 1 } };
    expect(redact(line)).toBe(line);
  });

  it('censors top-level keys, nested paths and bracketed keys, leaving the input untouched', () => {
    const line = {
      tempId: 'T',
      selfie: { data: 'B64', ref: 'r' },
      req: { headers: { authorization: 'Bearer x', 'x-api-key': 'k', accept: '*/*' }, url: '/' },
    };
    const before = structuredClone(line);
    expect(redact(line)).toEqual({
      tempId: C,
      selfie: { data: C, ref: 'r' },
      req: { headers: { authorization: C, 'x-api-key': C, accept: '*/*' }, url: '/' },
    });
    expect(line).toEqual(before);
  });

  it('censors `*.key` under every top-level key, named ones included, but not at the top or deeper', () => {
    const out = redact({
      token: 'top',
      upstream: { token: 't', deeper: { token: 'kept' } },
      selfie: { token: 't2', data: 'x' },
      body: { data: { selfie: 's', other: 1 } },
    });
    expect(out).toEqual({
      token: 'top',
      upstream: { token: C, deeper: { token: 'kept' } },
      selfie: { token: C, data: C },
      body: { data: { selfie: C, other: 1 } },
    });
  });

  it('keeps an Error an Error (prototype, message, stack) when it censors in it', () => {
    const error = Object.assign(new TypeError('boom'), { token: 'secret', code: 'x' });
    const out = redact({ err: error }).err;
    expect(out).toBeInstanceOf(TypeError);
    expect(out.message).toBe('boom');
    expect(out.stack).toBe(error.stack);
    expect(out).toMatchObject({ token: C, code: 'x' });
    expect(error.token).toBe('secret');
  });

  it('passes non-objects through and refuses paths it cannot read', () => {
    expect(redact('text')).toBe('text');
    expect(redact(null)).toBe(null);
    for (const bad of ['a..b', 'a.*', '', 'a[b]', '.a']) {
      expect(() => createRedactor([bad], C)).toThrow(InvalidRedactPathError);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { captureUrl } from '../src/capture-url.js';

describe('captureUrl', () => {
  it('uses ?i= for operations and ?t= for transactions', () => {
    expect(captureUrl('https://id.authid.ai', 'operation', 'op-1', 'abc')).toBe(
      'https://id.authid.ai/?i=op-1&s=abc',
    );
    expect(captureUrl('https://id.authid.ai/', 'transaction', 'tx-1', 'abc')).toBe(
      'https://id.authid.ai/?t=tx-1&s=abc',
    );
  });

  it('URL-encodes a base64 secret so that +, / and = survive', () => {
    const secret = 'gX+maH/DpaYwxEhn0Q6Bo6==';
    const url = captureUrl(
      'http://127.0.0.1:4010',
      'operation',
      '113e838b-be34-53e9-c52f-3cc45b2d10ce',
      secret,
    );
    expect(url).toBe(
      'http://127.0.0.1:4010/?i=113e838b-be34-53e9-c52f-3cc45b2d10ce&s=gX%2BmaH%2FDpaYwxEhn0Q6Bo6%3D%3D',
    );
    expect(new URL(url).searchParams.get('s')).toBe(secret);
  });

  it('refuses an empty id or secret rather than building a URL the UI rejects', () => {
    expect(() => captureUrl('https://id.authid.ai', 'operation', '', 's')).toThrow(TypeError);
    expect(() => captureUrl('https://id.authid.ai', 'operation', 'op', '')).toThrow(TypeError);
  });
});

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anyString,
  ADMIN_PREFIX,
  AUTHZ_PREFIX,
  ADMIN_V1,
  EmulatorHarness,
  IDENTITY_PREFIX,
  type ErrorBody,
  type TokenBody,
} from './helpers.js';

describe('identity service: tokens', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let h: EmulatorHarness;
  beforeAll(async () => {
    h = await EmulatorHarness.start({ now: () => now });
  });
  afterAll(() => h.close());

  it('issues PascalCase tokens for the configured API key pair, with a JWT carrying exp', async () => {
    const res = await h.tokens();
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(
      ['AccessToken', 'AccessTokenExpirationDate', 'RefreshToken', 'RefreshTokenExpirationDate'].sort(),
    );
    expect(res.json.AccessTokenExpirationDate).toBe(new Date(now + 900_000).toISOString());
    const [, payload] = res.json.AccessToken.split('.');
    assert.ok(payload !== undefined);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
    expect(claims.exp).toBe(Math.floor((now + 900_000) / 1000));
  });

  it('refuses any other key pair and a missing Authorization header with the .NET error body', async () => {
    for (const res of [
      await h.tokens<ErrorBody>('test-key-id', 'wrong'),
      await h.tokens<ErrorBody>('other', 'test-key-value'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({
        ID: 'E_USER_NOT_AUTHENTICATED',
        Message: anyString,
        Args: [],
      });
      expect(res.json).toHaveProperty('StackTrace');
      expect(res.json).toHaveProperty('InnerException');
    }
    const none = await h.call('POST', `${IDENTITY_PREFIX}/auth/token`, { body: {} });
    expect(none.status).toBe(401);
  });

  it('refreshes with a JSON string literal body, once: reuse is 401', async () => {
    const first = (await h.tokens()).json;
    const refreshed = await h.call<TokenBody>('POST', `${IDENTITY_PREFIX}/auth/refresh`, {
      rawBody: JSON.stringify(first.RefreshToken),
      headers: { 'content-type': 'application/json' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.AccessToken).not.toBe(first.AccessToken);
    const ok = await h.call('GET', `${ADMIN_V1}/accounts/someone`, { token: refreshed.json.AccessToken });
    expect(ok.status).toBe(200);

    const before = (await h.stats()).tokens.reuseDetected;
    const reuse = await h.call<ErrorBody>('POST', `${IDENTITY_PREFIX}/auth/refresh`, {
      rawBody: JSON.stringify(first.RefreshToken),
      headers: { 'content-type': 'application/json' },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.json.ID).toBe('E_USER_NOT_AUTHENTICATED');
    expect((await h.stats()).tokens.reuseDetected).toBe(before + 1);
  });

  it('leniently accepts { "RefreshToken": "..." } and refuses garbage', async () => {
    const first = (await h.tokens()).json;
    const res = await h.call('POST', `${IDENTITY_PREFIX}/auth/refresh`, {
      body: { RefreshToken: first.RefreshToken },
    });
    expect(res.status).toBe(200);
    expect((await h.call('POST', `${IDENTITY_PREFIX}/auth/refresh`, { body: 'not-a-token' })).status).toBe(
      401,
    );
    const empty = await h.call<ErrorBody>('POST', `${IDENTITY_PREFIX}/auth/refresh`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.json.ID).toBe('E_INVALID_REQUEST');
  });

  it('requires a valid bearer token on Administration and Authorization calls', async () => {
    const paths = [
      ['GET', `${ADMIN_V1}/accounts/a1`],
      ['GET', `${ADMIN_PREFIX}/accounts/a1`],
      ['POST', `${ADMIN_PREFIX}/foreignOperations/biometry`],
      ['GET', `${ADMIN_PREFIX}/settings/webhook`],
      ['GET', `${AUTHZ_PREFIX}/v2/operations/x/status`],
    ] as const;
    for (const [method, path] of paths) {
      for (const token of [undefined, 'not-a-token']) {
        const res = await h.call<ErrorBody>(method, path, { token, ...(method === 'POST' && { body: {} }) });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.json.ID).toBe('E_USER_NOT_AUTHENTICATED');
      }
    }
  });

  it('expires access tokens on the emulator clock (tokenTtlSec) with 401 E_USER_NOT_AUTHENTICATED', async () => {
    await h.scenario({ tokenTtlSec: 60 });
    const token = await h.token();
    expect((await h.call('GET', `${ADMIN_V1}/accounts/a1`, { token })).status).toBe(200);
    now += 59_000;
    expect((await h.call('GET', `${ADMIN_V1}/accounts/a1`, { token })).status).toBe(200);
    now += 1_000;
    const expired = await h.call<ErrorBody>('GET', `${ADMIN_V1}/accounts/a1`, { token });
    expect(expired.status).toBe(401);
    expect(expired.json.ID).toBe('E_USER_NOT_AUTHENTICATED');
  });

  it('expires access tokens when the clock is advanced over HTTP', async () => {
    await h.scenario({ tokenTtlSec: 900 });
    const token = await h.token();
    await h.control('POST', '/clock', { advanceMs: 900_000 });
    expect((await h.call('GET', `${ADMIN_V1}/accounts/a1`, { token })).status).toBe(401);
  });
});

import assert from 'node:assert/strict';
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, UpstreamUnavailableError } from '../src/errors.js';
import { safeLogger } from '../src/redact.js';
import { accessTokenExpiresAt, DEFAULT_ACCESS_TOKEN_LIFETIME_MS } from '../src/token/token-expiry.js';
import { TokenManager } from '../src/token/token-manager.js';
import { InMemoryTokenStore, type TokenStore } from '../src/token/token-store.js';
import { FakeClock, FakeIdentity } from './helpers/fake-identity.js';
import { fakeJwt } from './helpers/fake-upstream.js';

function manager(store: TokenStore, identity: FakeIdentity, clock: FakeClock, refreshSkewMs = 30_000) {
  return new TokenManager({
    store,
    scope: 's',
    endpoints: identity,
    logger: safeLogger(undefined),
    callTimeoutMs: 1_000,
    refreshSkewMs,
    now: clock.now,
  });
}

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('TokenManager', () => {
  it('makes one token call for many concurrent callers (single flight)', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now);
    const gate = deferred();
    identity.gate = gate.promise;
    const tokens = manager(new InMemoryTokenStore(clock.now), identity, clock);
    const calls = Array.from({ length: 25 }, () => tokens.getAccessToken());
    await waitFor('the token call', () => identity.tokenCalls === 1, { intervalMs: 5 });
    gate.release();
    expect(new Set(await Promise.all(calls))).toEqual(new Set(['access-1']));
    expect(identity.tokenCalls).toBe(1);
  });

  it('reuses the token until the skew before expiry, then refreshes with the refresh token', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now, 600_000);
    const tokens = manager(new InMemoryTokenStore(clock.now), identity, clock, 30_000);
    expect(await tokens.getAccessToken()).toBe('access-1');
    clock.advance(600_000 - 30_001);
    expect(await tokens.getAccessToken()).toBe('access-1');
    clock.advance(2);
    expect(await tokens.getAccessToken()).toBe('access-2');
    expect(identity).toMatchObject({ tokenCalls: 1, refreshCalls: 1, reuseAttempts: 0 });
  });

  it('caps the skew at a quarter of a short lifetime so short tokens are still used', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now, 2_000);
    const tokens = manager(new InMemoryTokenStore(clock.now), identity, clock, 30_000);
    expect(await tokens.getAccessToken()).toBe('access-1');
    clock.advance(1_499);
    expect(await tokens.getAccessToken()).toBe('access-1');
    clock.advance(2);
    expect(await tokens.getAccessToken()).toBe('access-2');
  });

  it('re-authenticates with the API key when a refresh is rejected, and never resends that refresh token', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now, 10_000);
    const store = new InMemoryTokenStore(clock.now);
    const tokens = manager(store, identity, clock);
    await tokens.getAccessToken();
    identity.refreshFailure = new UpstreamUnavailableError('refresh: HTTP 503', { endpoint: 'refresh' });
    clock.advance(10_000);
    expect(await tokens.getAccessToken()).toBe('access-2');
    expect(identity).toMatchObject({ tokenCalls: 2, refreshCalls: 1 });
    identity.refreshFailure = null;
    clock.advance(10_000);
    expect(await tokens.getAccessToken()).toBe('access-3');
    expect(identity).toMatchObject({ tokenCalls: 2, refreshCalls: 2, reuseAttempts: 0 });
  });

  it('lets the API-key failure through when re-authentication itself is refused', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now);
    identity.token = () =>
      Promise.reject(new AuthenticationError('token: HTTP 401', { endpoint: 'token', httpStatus: 401 }));
    await expect(
      manager(new InMemoryTokenStore(clock.now), identity, clock).getAccessToken(),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('shares one pair between managers on one store: one renewal per expiry, each refresh token sent once', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now, 4_000);
    const store = new InMemoryTokenStore(clock.now);
    const processes = Array.from({ length: 4 }, () => manager(store, identity, clock));
    for (let round = 0; round < 5; round += 1) {
      const seen = await Promise.all(processes.flatMap((p) => [p.getAccessToken(), p.getAccessToken()]));
      expect(new Set(seen).size).toBe(1);
      clock.advance(4_000);
    }
    expect(identity).toMatchObject({ tokenCalls: 1, refreshCalls: 4, reuseAttempts: 0 });
  });

  it('invalidates only the token that failed', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now);
    const store = new InMemoryTokenStore(clock.now);
    const a = manager(store, identity, clock);
    const b = manager(store, identity, clock);
    const first = await a.getAccessToken();
    expect(await b.getAccessToken()).toBe(first);
    await a.invalidate(first);
    const second = await a.getAccessToken();
    expect(second).not.toBe(first);
    // b saw the same 401 a moment later: its stale invalidation must not throw away a's fresh token.
    await b.invalidate(first);
    expect(await b.getAccessToken()).toBe(second);
    expect(identity).toMatchObject({ tokenCalls: 1, refreshCalls: 1 });
  });

  it('waits for another holder and uses its result; takes over when that holder crashed and its lock expired', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now);
    const store = new InMemoryTokenStore(clock.now);
    const tokens = manager(store, identity, clock);

    const lock = await store.acquireLock('s', 5_000);
    assert.ok(lock !== null);
    const waiting = tokens.getAccessToken();
    await store.set('s', {
      accessToken: 'from-other',
      refreshToken: 'r',
      expiresAt: clock.t + 60_000,
      refreshExpiresAt: null,
      obtainedAt: clock.t,
    });
    expect(await waiting).toBe('from-other');
    await store.releaseLock('s', lock);
    expect(identity.tokenCalls).toBe(0);

    const crashStore = new InMemoryTokenStore(clock.now);
    const crashed = manager(crashStore, identity, clock);
    await crashStore.acquireLock('s', 5_000);
    const afterCrash = crashed.getAccessToken();
    let settled = false;
    void afterCrash.finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    clock.advance(5_001);
    expect(await afterCrash).toBe('access-1');
  });
});

describe('accessTokenExpiresAt', () => {
  const requestedAt = Date.parse('2026-01-01T00:00:00Z');

  it('prefers the JWT lifetime measured from our request over a skewed absolute date', () => {
    // The upstream clock runs an hour ahead: its absolute date would look valid for 75 minutes here.
    const upstreamNow = requestedAt / 1000 + 3600;
    const token = fakeJwt({ iat: upstreamNow, exp: upstreamNow + 900 });
    const stated = new Date((upstreamNow + 900) * 1000).toISOString();
    expect(accessTokenExpiresAt({ AccessToken: token, AccessTokenExpirationDate: stated }, requestedAt)).toBe(
      requestedAt + 900_000,
    );
  });

  it('uses AccessTokenExpirationDate, else the JWT exp, else a 15 minute default', () => {
    expect(
      accessTokenExpiresAt(
        { AccessToken: 'opaque', AccessTokenExpirationDate: '2026-01-01T00:05:00.0Z' },
        requestedAt,
      ),
    ).toBe(requestedAt + 300_000);
    expect(
      accessTokenExpiresAt({ AccessToken: fakeJwt({ exp: requestedAt / 1000 + 120 }) }, requestedAt),
    ).toBe(requestedAt + 120_000);
    expect(accessTokenExpiresAt({ AccessToken: 'opaque' }, requestedAt)).toBe(
      requestedAt + DEFAULT_ACCESS_TOKEN_LIFETIME_MS,
    );
  });

  it('never returns an instant already past, so clock skew cannot cause a token-call loop', () => {
    expect(
      accessTokenExpiresAt(
        { AccessToken: 'opaque', AccessTokenExpirationDate: '2025-01-01T00:00:00Z' },
        requestedAt,
      ),
    ).toBeGreaterThan(requestedAt);
  });
});

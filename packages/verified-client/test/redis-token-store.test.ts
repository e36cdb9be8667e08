import assert from 'node:assert/strict';
import {
  deleteKeysWithPrefix,
  isolatedNames,
  keysMatching,
  redisClient,
  testInfra,
} from '@verified-onboard/devstack';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeLogger } from '../src/redact.js';
import { TokenManager } from '../src/token/token-manager.js';
import {
  RedisTokenStore,
  tokenFingerprint,
  tokenStoreKey,
  type TokenCipher,
} from '../src/token/token-store.js';
import { FakeClock, FakeIdentity } from './helpers/fake-identity.js';

const names = isolatedNames('verified-token-store');
let redis: Redis;
let other: Redis;

beforeAll(() => {
  redis = redisClient(testInfra().redisUrl);
  other = redisClient(testInfra().redisUrl);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, names.keyPrefix);
  redis.disconnect();
  other.disconnect();
});

describe('RedisTokenStore', () => {
  it('stores and reads a token pair under its prefix, with an expiry on the key', async () => {
    const store = new RedisTokenStore(redis, { keyPrefix: names.keyPrefix });
    const token = {
      accessToken: 'a1',
      refreshToken: 'r1',
      expiresAt: Date.now() + 60_000,
      refreshExpiresAt: null,
      obtainedAt: Date.now(),
    };
    expect(await store.get('pair')).toBeNull();
    await store.set('pair', token);
    expect(await new RedisTokenStore(other, { keyPrefix: names.keyPrefix }).get('pair')).toEqual(token);
    expect(await redis.pttl(tokenStoreKey(names.keyPrefix, 'pair', 'pair'))).toBeGreaterThan(0);
  });

  it('invalidates by compare: a stale access token does not expire the current one', async () => {
    const store = new RedisTokenStore(redis, { keyPrefix: names.keyPrefix });
    await store.set('cmp', {
      accessToken: 'new',
      refreshToken: 'r',
      expiresAt: Date.now() + 60_000,
      refreshExpiresAt: null,
      obtainedAt: Date.now(),
    });
    expect(await store.invalidate('cmp', 'old')).toBe(false);
    expect((await store.get('cmp'))?.expiresAt).toBeGreaterThan(Date.now());
    expect(await store.invalidate('cmp', 'new')).toBe(true);
    expect(await store.get('cmp')).toMatchObject({ accessToken: 'new', refreshToken: 'r', expiresAt: 0 });
  });

  it('with a cipher keeps both tokens sealed under their place, and reads what does not open as no token', async () => {
    // A reversible stand-in for the worker's keyring: what matters here is what the store hands it and keeps.
    const cipher: TokenCipher = {
      sealText: (text, context) => `sealed:${Buffer.from(`${context}|${text}`).toString('base64')}`,
      openText: (sealed, context) => {
        if (!sealed.startsWith('sealed:')) return null;
        const [where, text] = Buffer.from(sealed.slice(7), 'base64').toString().split('|');
        return where === context && text !== undefined ? text : null;
      },
    };
    const store = new RedisTokenStore(redis, { keyPrefix: names.keyPrefix, cipher });
    const token = {
      accessToken: 'access-in-clear',
      refreshToken: 'refresh-in-clear',
      expiresAt: Date.now() + 60_000,
      refreshExpiresAt: null,
      obtainedAt: Date.now(),
    };
    await store.set('sealed', token);
    const key = tokenStoreKey(names.keyPrefix, 'sealed', 'pair');
    const raw = JSON.stringify(await redis.hgetall(key));
    expect(raw).not.toContain('access-in-clear');
    expect(raw).not.toContain('refresh-in-clear');
    expect(await store.get('sealed')).toEqual(token);
    expect(await store.invalidate('sealed', 'access-in-clear')).toBe(true);
    expect((await store.get('sealed'))?.expiresAt).toBe(0);

    // A pair written in clear before sealing, or a sealed value moved to another scope: absent, never a crash.
    await new RedisTokenStore(redis, { keyPrefix: names.keyPrefix }).set('old', token);
    expect(await store.get('old')).toBeNull();
    const moved = await redis.hget(key, 'accessToken');
    assert.ok(moved);
    await redis.hset(tokenStoreKey(names.keyPrefix, 'old', 'pair'), 'accessToken', moved);
    expect(await store.get('old')).toBeNull();
  });

  it('grants the lock to one holder and releases it only for that holder', async () => {
    const a = new RedisTokenStore(redis, { keyPrefix: names.keyPrefix });
    const b = new RedisTokenStore(other, { keyPrefix: names.keyPrefix });
    const lockA = await a.acquireLock('lock', 10_000);
    assert.ok(lockA !== null);
    expect(await b.acquireLock('lock', 10_000)).toBeNull();
    await b.releaseLock('lock', 'not-the-holder');
    expect(await b.acquireLock('lock', 10_000)).toBeNull();
    await a.releaseLock('lock', lockA);
    expect(typeof (await b.acquireLock('lock', 10_000))).toBe('string');
  });

  it('marks a refresh token consumed exactly once across connections', async () => {
    const a = new RedisTokenStore(redis, { keyPrefix: names.keyPrefix });
    const b = new RedisTokenStore(other, { keyPrefix: names.keyPrefix });
    const results = await Promise.all(
      [a, b, a, b].map((store) => store.markRefreshTokenConsumed('c', 'refresh-xyz', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    // Only a fingerprint of the refresh token reaches Redis, never the token itself.
    const spent = await keysMatching(redis, `${tokenStoreKey(names.keyPrefix, 'c', 'consumed:')}*`);
    expect(spent).toEqual([
      tokenStoreKey(names.keyPrefix, 'c', `consumed:${tokenFingerprint('refresh-xyz')}`),
    ]);
  });

  it('keeps two managers on separate connections to one renewal per expiry', async () => {
    const clock = new FakeClock();
    const identity = new FakeIdentity(clock.now, 4_000);
    const make = (connection: Redis) =>
      new TokenManager({
        store: new RedisTokenStore(connection, { keyPrefix: names.keyPrefix }),
        scope: 'managers',
        endpoints: identity,
        logger: safeLogger(undefined),
        callTimeoutMs: 1_000,
        now: clock.now,
      });
    const managers = [make(redis), make(other), make(redis), make(other)];
    for (let round = 0; round < 4; round += 1) {
      const seen = await Promise.all(managers.map((m) => m.getAccessToken()));
      expect(new Set(seen).size).toBe(1);
      clock.advance(4_000);
    }
    expect(identity).toMatchObject({ tokenCalls: 1, refreshCalls: 3, reuseAttempts: 0 });
  });
});

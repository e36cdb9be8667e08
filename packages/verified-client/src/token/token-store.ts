import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A token pair as cached; times are epoch milliseconds on the caching host's clock. */
export interface StoredToken {
  accessToken: string;
  refreshToken: string | null;
  /** After this instant the access token is not handed out any more (refresh skew is applied on top). */
  expiresAt: number;
  refreshExpiresAt: number | null;
  obtainedAt: number;
}

/**
 * Where tokens live between calls, and the lock that lets exactly one holder talk to the token endpoint.
 * `scope` separates API keys and hosts that share one store.
 */
export interface TokenStore {
  get(scope: string): Promise<StoredToken | null>;
  set(scope: string, token: StoredToken): Promise<void>;
  /** Expires the stored access token only if it is still `accessToken` (someone may have replaced it already). */
  invalidate(scope: string, accessToken: string): Promise<boolean>;
  /** Returns a lock token when acquired, null when another holder has it. The lock expires by itself after ttlMs. */
  acquireLock(scope: string, ttlMs: number): Promise<string | null>;
  /** Releases only if `lockToken` still holds the lock. */
  releaseLock(scope: string, lockToken: string): Promise<void>;
  /** Atomically marks a refresh token as spent; true for the first caller only, so a refresh token is sent at most once. */
  markRefreshTokenConsumed(scope: string, refreshToken: string, ttlMs: number): Promise<boolean>;
}

export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

/** Process-local store: the default, and enough when a single process talks to the upstream. */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly locks = new Map<string, { token: string; until: number }>();
  private readonly consumed = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  // Promise-returning without `async`: nothing here waits, the interface is asynchronous for the Redis store.
  get(scope: string): Promise<StoredToken | null> {
    const token = this.tokens.get(scope);
    return Promise.resolve(token ? { ...token } : null);
  }

  set(scope: string, token: StoredToken): Promise<void> {
    this.tokens.set(scope, { ...token });
    return Promise.resolve();
  }

  invalidate(scope: string, accessToken: string): Promise<boolean> {
    const token = this.tokens.get(scope);
    if (!token || token.accessToken !== accessToken) return Promise.resolve(false);
    this.tokens.set(scope, { ...token, expiresAt: 0 });
    return Promise.resolve(true);
  }

  acquireLock(scope: string, ttlMs: number): Promise<string | null> {
    const held = this.locks.get(scope);
    if (held && held.until > this.now()) return Promise.resolve(null);
    const token = randomUUID();
    this.locks.set(scope, { token, until: this.now() + ttlMs });
    return Promise.resolve(token);
  }

  releaseLock(scope: string, lockToken: string): Promise<void> {
    if (this.locks.get(scope)?.token === lockToken) this.locks.delete(scope);
    return Promise.resolve();
  }

  markRefreshTokenConsumed(scope: string, refreshToken: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    for (const [key, until] of this.consumed) if (until <= now) this.consumed.delete(key);
    const key = `${scope}:${tokenFingerprint(refreshToken)}`;
    if (this.consumed.has(key)) return Promise.resolve(false);
    this.consumed.set(key, now + ttlMs);
    return Promise.resolve(true);
  }
}

/** What a scope keeps in Redis: the token pair, the renewal lock, and one marker per spent refresh token. */
export type TokenKeyPart = 'pair' | 'lock' | `consumed:${string}`;

/** The Redis key of one part of a scope's token state (the prefix is used verbatim). */
export function tokenStoreKey(keyPrefix: string, scope: string, part: TokenKeyPart): string {
  return `${keyPrefix}${scope}:${part}`;
}

/**
 * Encrypts the token pair at rest (the worker passes its keyring). `context` is where the value lives, so a
 * sealed value moved elsewhere does not open; `open` answers null for anything it cannot open (a value from
 * before sealing, a retired key), which the store treats as "no token": the client fetches a new one.
 */
export interface TokenCipher {
  sealText(plaintext: string, context: string): string;
  openText(sealed: string, context: string): string | null;
}

/** Stores without a cipher keep tokens as they are: the in-process default and tests. */
const CLEAR: TokenCipher = { sealText: (text) => text, openText: (text) => text };

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// Compares fingerprints: the stored access token is sealed, and a sealed value differs on every write.
const INVALIDATE = `if redis.call('HGET', KEYS[1], 'accessFp') == ARGV[1] then redis.call('HSET', KEYS[1], 'expiresAt', '0') return 1 end return 0`;

/** Longest a token pair is kept when the upstream does not say how long the refresh token lives. */
const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Shares one token pair among every process using the same Redis and prefix, so N workers neither stampede
 * the token endpoint nor send a single-use refresh token twice. The caller owns the Redis connection.
 */
export class RedisTokenStore implements TokenStore {
  private readonly prefix: string;
  private readonly cipher: TokenCipher;

  constructor(
    private readonly redis: Redis,
    /**
     * Keys are `${keyPrefix}${scope}:pair|lock|consumed:*`; the prefix is used verbatim. With a `cipher` the
     * access and refresh tokens are stored sealed (a shared Redis is then no token store in clear).
     */
    options: { keyPrefix?: string; cipher?: TokenCipher } = {},
  ) {
    this.prefix = options.keyPrefix ?? 'verified-token:';
    this.cipher = options.cipher ?? CLEAR;
  }

  async get(scope: string): Promise<StoredToken | null> {
    const key = this.key(scope, 'pair');
    const hash = await this.redis.hgetall(key);
    if (!hash.accessToken || hash.expiresAt === undefined) return null;
    const accessToken = this.cipher.openText(hash.accessToken, `${key}#access`);
    const refreshToken = hash.refreshToken ? this.cipher.openText(hash.refreshToken, `${key}#refresh`) : null;
    if (accessToken === null || (hash.refreshToken && refreshToken === null)) return null;
    return {
      accessToken,
      refreshToken,
      expiresAt: Number(hash.expiresAt),
      refreshExpiresAt: hash.refreshExpiresAt ? Number(hash.refreshExpiresAt) : null,
      obtainedAt: Number(hash.obtainedAt ?? 0),
    };
  }

  async set(scope: string, token: StoredToken): Promise<void> {
    const key = this.key(scope, 'pair');
    const keepUntil = Math.max(
      token.expiresAt,
      token.refreshExpiresAt ?? token.obtainedAt + DEFAULT_RETENTION_MS,
    );
    const ttlMs = Math.max(1_000, keepUntil - Date.now());
    await this.redis
      .multi()
      .del(key)
      .hset(key, {
        accessToken: this.cipher.sealText(token.accessToken, `${key}#access`),
        accessFp: tokenFingerprint(token.accessToken),
        refreshToken:
          token.refreshToken === null ? '' : this.cipher.sealText(token.refreshToken, `${key}#refresh`),
        expiresAt: String(token.expiresAt),
        refreshExpiresAt: token.refreshExpiresAt === null ? '' : String(token.refreshExpiresAt),
        obtainedAt: String(token.obtainedAt),
      })
      .pexpire(key, ttlMs)
      .exec();
  }

  async invalidate(scope: string, accessToken: string): Promise<boolean> {
    const result = await this.redis.eval(
      INVALIDATE,
      1,
      this.key(scope, 'pair'),
      tokenFingerprint(accessToken),
    );
    return result === 1;
  }

  async acquireLock(scope: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(
      this.key(scope, 'lock'),
      token,
      'PX',
      Math.max(1, Math.round(ttlMs)),
      'NX',
    );
    return ok === 'OK' ? token : null;
  }

  async releaseLock(scope: string, lockToken: string): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, this.key(scope, 'lock'), lockToken);
  }

  async markRefreshTokenConsumed(scope: string, refreshToken: string, ttlMs: number): Promise<boolean> {
    const ok = await this.redis.set(
      this.key(scope, `consumed:${tokenFingerprint(refreshToken)}`),
      '1',
      'PX',
      Math.max(1, Math.round(ttlMs)),
      'NX',
    );
    return ok === 'OK';
  }

  private key(scope: string, part: TokenKeyPart): string {
    return tokenStoreKey(this.prefix, scope, part);
  }
}

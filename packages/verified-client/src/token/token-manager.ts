import { UpstreamTimeoutError, VerifiedError } from '../errors.js';
import type { ClientLogger } from '../redact.js';
import type { TokenResponseWire } from '../schemas/token.js';
import { accessTokenExpiresAt, refreshTokenExpiresAt } from './token-expiry.js';
import type { StoredToken, TokenStore } from './token-store.js';

export interface TokenEndpoints {
  /** Authenticates with the API key. */
  token(): Promise<TokenResponseWire>;
  /** Exchanges a single-use refresh token. */
  refresh(refreshToken: string): Promise<TokenResponseWire>;
}

export interface TokenManagerOptions {
  store: TokenStore;
  /** Separates API keys and hosts sharing one store. */
  scope: string;
  endpoints: TokenEndpoints;
  logger: ClientLogger;
  /** Renew this long before expiry; capped at a quarter of the token's lifetime so short-lived tokens are still used. */
  refreshSkewMs?: number;
  /** Per token call; the lock and the wait for another holder are sized from it. */
  callTimeoutMs: number;
  now?: () => number;
}

const DEFAULT_SKEW_MS = 30_000;
/** Consumed-refresh-token markers outlive any refresh token the upstream may issue (about a day). */
const CONSUMED_MARKER_TTL_MS = 48 * 60 * 60 * 1000;

/**
 * Hands out a valid access token. Within a process concurrent callers share one acquisition (single flight);
 * across processes the store's lock elects one holder that refreshes or re-authenticates while the others wait
 * and then read its result. A refresh token is marked consumed before it is sent, so it is never sent twice,
 * even when the lock expires under a slow holder.
 */
export class TokenManager {
  private cached: StoredToken | null = null;
  private inflight: Promise<StoredToken> | null = null;
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly lockTtlMs: number;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.skewMs = options.refreshSkewMs ?? DEFAULT_SKEW_MS;
    // A holder may make two token calls (a refresh, then a fallback re-authentication).
    this.lockTtlMs = options.callTimeoutMs * 2 + 2_000;
  }

  async getAccessToken(): Promise<string> {
    if (this.cached && this.usable(this.cached)) return this.cached.accessToken;
    if (!this.inflight) {
      this.inflight = this.obtain().finally(() => {
        this.inflight = null;
      });
    }
    const token = await this.inflight;
    return token.accessToken;
  }

  /** Called after a 401: drop the token that failed, unless it was already replaced here or in the store. */
  async invalidate(accessToken: string): Promise<void> {
    if (this.cached?.accessToken === accessToken) this.cached = null;
    const replaced = await this.options.store.invalidate(this.options.scope, accessToken);
    this.options.logger.debug({ invalidated: replaced }, 'verified access token rejected');
  }

  private usable(token: StoredToken): boolean {
    const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
    const skew = Math.min(this.skewMs, lifetime / 4);
    return this.now() < token.expiresAt - skew;
  }

  private async obtain(): Promise<StoredToken> {
    const { store, scope } = this.options;
    const deadline = this.now() + this.lockTtlMs + this.options.callTimeoutMs;
    let pauseMs = 5;
    for (;;) {
      const shared = await store.get(scope);
      if (shared && this.usable(shared)) return this.remember(shared);
      const lock = await store.acquireLock(scope, this.lockTtlMs);
      if (lock) {
        try {
          // Re-read under the lock: the previous holder may have stored a fresh pair since our read.
          const current = await store.get(scope);
          if (current && this.usable(current)) return this.remember(current);
          const fresh = await this.renew(current);
          await store.set(scope, fresh);
          return this.remember(fresh);
        } finally {
          await store.releaseLock(scope, lock).catch((error: unknown) => {
            this.options.logger.warn(
              { err: error },
              'verified token lock release failed; it expires by itself',
            );
          });
        }
      }
      if (this.now() > deadline) {
        throw new UpstreamTimeoutError(
          'token: gave up waiting for another process to renew the access token',
          { endpoint: 'token' },
        );
      }
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, 100);
    }
  }

  private async renew(current: StoredToken | null): Promise<StoredToken> {
    const { store, scope, endpoints, logger } = this.options;
    const refreshToken = current?.refreshToken;
    const refreshAlive = current?.refreshExpiresAt == null || current.refreshExpiresAt > this.now();
    if (
      refreshToken &&
      refreshAlive &&
      (await store.markRefreshTokenConsumed(scope, refreshToken, CONSUMED_MARKER_TTL_MS))
    ) {
      const requestedAt = this.now();
      try {
        return toStored(await endpoints.refresh(refreshToken), requestedAt);
      } catch (error) {
        // Whatever happened, that refresh token may be spent upstream; re-authenticate rather than resend it.
        logger.warn(
          { code: error instanceof VerifiedError ? error.code : 'unknown_error' },
          'verified token refresh failed; re-authenticating with the API key',
        );
      }
    }
    const requestedAt = this.now();
    return toStored(await endpoints.token(), requestedAt);
  }

  private remember(token: StoredToken): StoredToken {
    this.cached = token;
    return token;
  }
}

function toStored(wire: TokenResponseWire, requestedAt: number): StoredToken {
  return {
    accessToken: wire.AccessToken,
    refreshToken: wire.RefreshToken ?? null,
    expiresAt: accessTokenExpiresAt(wire, requestedAt),
    refreshExpiresAt: refreshTokenExpiresAt(wire),
    obtainedAt: requestedAt,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { newAccessToken, newRefreshToken } from '../ids.js';

// docs/verified-api.md §9 #9: the refresh-token lifetime is not published; about 24 h is the working guess.
export const REFRESH_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt: number;
}

export type RefreshOutcome =
  { ok: true; tokens: IssuedTokens } | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

/**
 * Access and refresh tokens, O(1) lookups. Refresh tokens are single use (D-RENEW): a used one stays in the
 * map, marked, until its natural expiry so that reuse can be told apart (and counted) from garbage.
 */
export class TokenStore {
  private readonly access = new Map<string, number>();
  private readonly refresh = new Map<string, { expiresAt: number; used: boolean; subject: string }>();
  private insertionsSinceSweep = 0;
  issued = 0;
  refreshed = 0;
  reuseDetected = 0;

  issue(subject: string, now: number, ttlSec: number): IssuedTokens {
    const accessExpiresAt = now + ttlSec * 1000;
    const refreshExpiresAt = now + REFRESH_TOKEN_TTL_MS;
    const accessToken = newAccessToken(subject, now, accessExpiresAt);
    const refreshToken = newRefreshToken();
    this.access.set(accessToken, accessExpiresAt);
    this.refresh.set(refreshToken, { expiresAt: refreshExpiresAt, used: false, subject });
    this.issued += 1;
    this.maybeSweep(now);
    return { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt };
  }

  isAccessValid(token: string, now: number): boolean {
    const expiresAt = this.access.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  redeemRefresh(token: string, now: number, ttlSec: number): RefreshOutcome {
    const entry = this.refresh.get(token);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.used) {
      this.reuseDetected += 1;
      return { ok: false, reason: 'reused' };
    }
    if (now >= entry.expiresAt) return { ok: false, reason: 'expired' };
    entry.used = true;
    this.refreshed += 1;
    return { ok: true, tokens: this.issue(entry.subject, now, ttlSec) };
  }

  clear(): void {
    this.access.clear();
    this.refresh.clear();
    this.issued = 0;
    this.refreshed = 0;
    this.reuseDetected = 0;
  }

  /** Keeps memory bounded for clients that authenticate far more often than needed (amortised O(1)). */
  private maybeSweep(now: number): void {
    this.insertionsSinceSweep += 1;
    if (this.insertionsSinceSweep < 1024) return;
    this.insertionsSinceSweep = 0;
    for (const [token, expiresAt] of this.access) if (now >= expiresAt) this.access.delete(token);
    for (const [token, entry] of this.refresh) if (now >= entry.expiresAt) this.refresh.delete(token);
  }
}

import type { TokenResponseWire } from '../schemas/token.js';

/** Used only when neither the response nor the JWT says when the token ends (the upstream's observed lifetime). */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** A token whose stated end is already past on our clock (clock skew) is still used briefly rather than refetched in a loop. */
const MIN_LIFETIME_MS = 1_000;

interface JwtClaims {
  exp?: number;
  iat?: number;
}

export function decodeJwtClaims(token: string): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!claims || typeof claims !== 'object') return null;
    const { exp, iat } = claims as Record<string, unknown>;
    return {
      ...(typeof exp === 'number' && Number.isFinite(exp) && { exp }),
      ...(typeof iat === 'number' && Number.isFinite(iat) && { iat }),
    };
  } catch {
    return null;
  }
}

function parseDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * When to stop using an access token, on the local clock. The JWT's lifetime (exp − iat) measured from when we
 * sent the request is immune to clock skew between us and the upstream; absolute dates are used as an upper
 * bound, and alone when the JWT carries no iat.
 */
export function accessTokenExpiresAt(wire: TokenResponseWire, requestedAt: number): number {
  const candidates: number[] = [];
  const claims = decodeJwtClaims(wire.AccessToken);
  if (claims?.exp !== undefined && claims.iat !== undefined && claims.exp > claims.iat) {
    candidates.push(requestedAt + (claims.exp - claims.iat) * 1000);
  }
  const stated =
    parseDate(wire.AccessTokenExpirationDate) ?? (claims?.exp !== undefined ? claims.exp * 1000 : null);
  if (stated !== null) candidates.push(stated);
  if (candidates.length === 0) return requestedAt + DEFAULT_ACCESS_TOKEN_LIFETIME_MS;
  return Math.max(requestedAt + MIN_LIFETIME_MS, Math.min(...candidates));
}

export function refreshTokenExpiresAt(wire: TokenResponseWire): number | null {
  return parseDate(wire.RefreshTokenExpirationDate);
}

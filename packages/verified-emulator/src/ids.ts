import { randomBytes, randomUUID } from 'node:crypto';

/** Upstream ids are GUID-like 8-4-4-4-12 lowercase hex; randomUUID is the cheapest source of that shape. */
export const newGuid = (): string => randomUUID();

/** OneTimeSecret: base64 of 16 random bytes, like the documented `TbAeETwpOxbvKy7rWCeOcQ==` (§9 #10). */
export const newOneTimeSecret = (): string => randomBytes(16).toString('base64');

const base64Url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * The real AccessToken is a JWT whose `exp` clients are told to read (D-RENEW), so the emulator issues a
 * JWT-shaped token with true `exp`/`iat` claims. Emulator assumption: the signature part is random bytes;
 * validity is decided by lookup in the token store, never by verifying a signature.
 */
export function newAccessToken(subject: string, issuedAtMs: number, expiresAtMs: number): string {
  const header = base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64Url(
    JSON.stringify({
      sub: subject,
      jti: randomUUID(),
      iat: Math.floor(issuedAtMs / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      iss: 'verified-emulator',
    }),
  );
  return `${header}.${payload}.${base64Url(randomBytes(32))}`;
}

/** Refresh tokens are opaque upstream. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual, type EmulatorContext } from '../emulator-context.js';
import { endpoint } from '../endpoint.js';
import { UpstreamApiError, notAuthenticated } from '../errors.js';
import { IDENTITY_PREFIX } from '../paths.js';
import { refreshBodySchema } from '../request-schemas.js';
import type { IssuedTokens } from '../state/tokens.js';

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

export interface TokenBody {
  AccessToken: string;
  RefreshToken: string;
  AccessTokenExpirationDate: string;
  RefreshTokenExpirationDate: string;
}

function tokenBody(ctx: EmulatorContext, tokens: IssuedTokens): TokenBody {
  return {
    AccessToken: tokens.accessToken,
    RefreshToken: tokens.refreshToken,
    AccessTokenExpirationDate: ctx.clock.iso(tokens.accessExpiresAt),
    // Emulator assumption (§2): the real response may or may not carry this one.
    RefreshTokenExpirationDate: ctx.clock.iso(tokens.refreshExpiresAt),
  };
}

function basicCredentials(request: FastifyRequest): { id: string; value: string } | null {
  const encoded = BASIC.exec(request.headers.authorization ?? '')?.[1];
  if (encoded === undefined) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { id: decoded.slice(0, colon), value: decoded.slice(colon + 1) };
}

/** Identity Service: API key pair → tokens, and single-use refresh (docs/verified-api.md §2). */
export function registerIdentityRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post(
    `${IDENTITY_PREFIX}/auth/token`,
    endpoint(ctx, 'token', { auth: false }, (request) => {
      const credentials = basicCredentials(request);
      // Both halves are always compared so that timing does not reveal which one was wrong.
      const idOk = credentials ? safeEqual(credentials.id, ctx.apiKeyId) : false;
      const valueOk = credentials ? safeEqual(credentials.value, ctx.apiKeyValue) : false;
      if (!idOk || !valueOk) throw notAuthenticated();
      const tokens = ctx.state.tokens.issue(ctx.apiKeyId, ctx.clock.now(), ctx.state.scenario.tokenTtlSec);
      return { body: tokenBody(ctx, tokens) };
    }),
  );

  app.post(
    `${IDENTITY_PREFIX}/auth/refresh`,
    endpoint(ctx, 'refresh', { auth: false }, (request) => {
      const refreshToken = refreshBodySchema.parse(request.body);
      const outcome = ctx.state.tokens.redeemRefresh(
        refreshToken,
        ctx.clock.now(),
        ctx.state.scenario.tokenTtlSec,
      );
      if (!outcome.ok) {
        // D-RENEW: reuse of a refresh token is a 401 (and an audit event upstream, a counter here).
        throw new UpstreamApiError(
          401,
          'E_USER_NOT_AUTHENTICATED',
          'The refresh token is invalid, expired or already used.',
        );
      }
      return { body: tokenBody(ctx, outcome.tokens) };
    }),
  );
}

import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { checkHook } from '../http/check-hook.js';
import type { ApiKeyStore, Principal, Scope } from './api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the request presented credentials that were refused; the failed-authentication limiter counts it. */
    authFailure: { keyId: string | null } | null;
  }
}

/**
 * Reads `Authorization: Bearer keyId:secret`, `X-API-Key: keyId:secret`, and `Authorization: Basic` only where
 * `acceptBasic` (the queue dashboard): a browser caches Basic credentials and would otherwise make them ambient
 * authority on every route.
 */
export function credentialFrom(request: FastifyRequest, acceptBasic = false): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const [scheme, value] = header.split(/\s+/, 2);
    if (value && scheme?.toLowerCase() === 'bearer') return value;
    if (value && acceptBasic && scheme?.toLowerCase() === 'basic')
      return Buffer.from(value, 'base64').toString('utf8');
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : null;
}

export interface RequireScopeOptions {
  /** Accept Basic credentials and ask browsers for them on 401 (the queue dashboard only). */
  basicChallenge?: boolean;
}

/** onRequest hook: 401 without a valid key, 403 when the key lacks `scope`; sets `request.principal`. */
export function requireScope(
  keys: ApiKeyStore,
  scope: Scope,
  options: RequireScopeOptions = {},
): onRequestAsyncHookHandler {
  return checkHook((request, reply) => authenticate(keys, scope, options, request, reply));
}

function authenticate(
  keys: ApiKeyStore,
  scope: Scope,
  options: RequireScopeOptions,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const credential = credentialFrom(request, options.basicChallenge === true);
  const principal = credential === null ? null : keys.authenticate(credential);
  if (!principal) {
    if (credential !== null) request.authFailure = { keyId: keys.knownKeyId(credential) };
    if (options.basicChallenge)
      void reply.header('www-authenticate', 'Basic realm="verified-onboard ops", charset="UTF-8"');
    throw new UnauthenticatedError(
      credential === null ? undefined : 'The API key is not valid.',
      credential === null ? 'unauthenticated' : 'invalid_api_key',
    );
  }
  request.principal = principal;
  if (!principal.scopes.has(scope)) throw new ForbiddenError(scope);
}

/** The caller `requireScope` admitted; a route mounted without that hook answers 401 rather than act for nobody. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new UnauthenticatedError();
  return request.principal;
}

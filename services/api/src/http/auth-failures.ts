import { HEADERS } from '@verified-onboard/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { credentialFrom } from '../auth/authenticate.js';
import { ApiError } from '../errors.js';

export interface AuthFailureLimits {
  /** Refused credentials one client address may present per window (API_AUTH_FAILURES_PER_ADDRESS). */
  perAddress: number;
  /** Refused credentials naming one existing key id per window, from anywhere (API_AUTH_FAILURES_PER_KEY). */
  perKey: number;
  windowMs: number;
}

export class TooManyAuthFailuresError extends ApiError {
  readonly statusCode = 429;
  constructor(retryAfterSec: number) {
    super('too_many_auth_failures', `Too many failed authentication attempts; retry in ${retryAfterSec} s.`);
    this.headers['retry-after'] = String(retryAfterSec);
  }
}

/**
 * Fixed-window counters of refused credentials in Redis, shared by every replica. Checked before any route
 * authenticates, so once a window is used up even the right secret is refused until it ends: guessing stays
 * at the limit's pace whatever the attacker's concurrency (a burst in flight can overshoot by its own size).
 */
export class AuthFailureLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: AuthFailureLimits,
  ) {}

  private addressKey = (address: string) => `${this.prefix}:auth-failures:address:${address}`;
  private keyIdKey = (keyId: string) => `${this.prefix}:auth-failures:key:${keyId}`;

  /** Throws TooManyAuthFailuresError when the address or the claimed key id has used up its window. */
  async check(address: string, claimedKeyId: string | null): Promise<void> {
    // Separate commands, not one pipeline: the address and key-id counters sit in different Redis Cluster
    // hash slots, and a Cluster client refuses a pipeline across slots. Every webhook and api call passes
    // here, so the usual case costs one GET a counter; the window's remaining time is read only when over.
    const counted: Array<[key: string, limit: number]> = [[this.addressKey(address), this.limits.perAddress]];
    if (claimedKeyId !== null) counted.push([this.keyIdKey(claimedKeyId), this.limits.perKey]);
    const counts = await Promise.all(counted.map(([key]) => this.redis.get(key)));
    const over = counted.filter(([, limit], i) => Number(counts[i] ?? 0) >= limit).map(([key]) => key);
    if (over.length === 0) return;
    const waits = await Promise.all(over.map((key) => this.redis.pttl(key)));
    const waitMs = Math.max(...waits.map((ms) => (ms > 0 ? ms : this.limits.windowMs)));
    throw new TooManyAuthFailuresError(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  async record(address: string, knownKeyId: string | null): Promise<void> {
    const keys = [this.addressKey(address), ...(knownKeyId === null ? [] : [this.keyIdKey(knownKeyId)])];
    // One transaction a counter: the two counters sit in different Redis Cluster hash slots.
    await Promise.all(
      keys.map((key) => this.redis.multi().set(key, 0, 'PX', this.limits.windowMs, 'NX').incr(key).exec()),
    );
  }
}

/** The key id a request claims, whatever its scheme; only for looking up counters, never for authenticating. */
export function claimedKeyId(request: FastifyRequest): string | null {
  // Basic counts everywhere: a guess is a guess on any route, even where Basic would not authenticate.
  const credential = credentialFrom(request, true);
  if (credential === null) return null;
  const separator = credential.indexOf(':');
  // A key id is short; anything longer names no key and is not worth a Redis lookup.
  return separator > 0 && separator <= 128 ? credential.slice(0, separator) : null;
}

const presentsCredentials = (request: FastifyRequest) =>
  request.headers.authorization !== undefined ||
  request.headers['x-api-key'] !== undefined ||
  request.headers[HEADERS.signature] !== undefined;

/**
 * Refuses requests from an address or for a key id over its failure budget (before any route authenticates),
 * and counts each refused credential before its 401 is sent. Requests without credentials (health, metrics,
 * docs) skip Redis entirely, so liveness never depends on it.
 */
export function installAuthFailureLimit(app: FastifyInstance, limiter: AuthFailureLimiter): void {
  app.decorateRequest('authFailure', null);
  app.addHook('onRequest', async (request) => {
    if (!presentsCredentials(request)) return;
    await limiter.check(request.ip, claimedKeyId(request));
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.authFailure === null || reply.statusCode !== 401) return;
    await limiter.record(request.ip, request.authFailure.keyId);
  });
}

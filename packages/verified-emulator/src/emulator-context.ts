import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { EmulatorClock } from './clock.js';
import { notAuthenticated } from './errors.js';
import type { HeldRequests } from './faults.js';
import type { OperationLifecycle } from './operation-lifecycle.js';
import type { EmulatorState } from './state/store.js';
import type { WebhookSender } from './webhook-sender.js';

/** What route modules need from a running emulator instance (one per buildEmulator call, no globals). */
export interface EmulatorContext {
  readonly clock: EmulatorClock;
  readonly state: EmulatorState;
  readonly lifecycle: OperationLifecycle;
  readonly webhooks: WebhookSender;
  readonly held: HeldRequests;
  readonly logger: Logger;
  readonly apiKeyId: string;
  readonly apiKeyValue: string;
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every Administration and Authorization call needs a live access token (§2), else 401 E_USER_NOT_AUTHENTICATED. */
export function requireBearer(ctx: EmulatorContext, request: FastifyRequest): void {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined || !ctx.state.tokens.isAccessValid(token, ctx.clock.now()))
    throw notAuthenticated();
}

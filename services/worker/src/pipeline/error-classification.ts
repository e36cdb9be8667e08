import { isVerifiedError } from '@verified-onboard/verified-client';
import { UnrecoverableError } from 'bullmq';
import { PipelineError } from '../errors.js';

export interface ErrorInfo {
  code: string;
  /** Safe to publish: it reaches `enrollment.failed`, the read model and every ops list. */
  message: string;
  /** The raw message of an error we do not know, for the worker's log only (it may name internal hosts). */
  logDetail?: string;
  retryable: boolean;
  rateLimited: boolean;
  retryAfterMs?: number;
}

const MAX_MESSAGE = 2048;

/**
 * One view of any error a step can raise. Upstream and pipeline errors say themselves whether they are
 * retryable; anything unknown (Redis hiccup, a bug) is treated as retryable so that bounded attempts,
 * not a guess, decide when to give up. Messages of typed errors carry no secrets by construction; an unknown
 * error's own message (a socket error naming an internal host, a driver's text) is kept out of the event.
 */
export function describeError(error: unknown): ErrorInfo {
  if (isVerifiedError(error)) {
    return {
      code: error.code,
      message: error.message.slice(0, MAX_MESSAGE),
      retryable: error.retryable,
      rateLimited: error.code === 'rate_limited',
      ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error instanceof PipelineError) {
    return {
      code: error.code,
      message: error.message.slice(0, MAX_MESSAGE),
      retryable: error.retryable,
      rateLimited: false,
    };
  }
  if (error instanceof UnrecoverableError) {
    return {
      code: 'unrecoverable',
      message: error.message.slice(0, MAX_MESSAGE),
      retryable: false,
      rateLimited: false,
    };
  }
  const coded = error as { code?: unknown; message?: unknown } | null;
  const code =
    typeof coded?.code === 'string' && /^[a-z_]{1,64}$/.test(coded.code) ? coded.code : 'internal_error';
  // A validation error of our own events is a bug, not weather: retrying cannot fix it.
  const retryable = code !== 'invalid_event';
  const raw = typeof coded?.message === 'string' ? coded.message : String(error);
  const name = error instanceof Error && /^[A-Za-z]{1,64}$/.test(error.name) ? error.name : 'Error';
  return {
    code,
    message: `internal error (${name}); the worker log has the details`,
    logDetail: raw.slice(0, MAX_MESSAGE),
    retryable,
    rateLimited: false,
  };
}

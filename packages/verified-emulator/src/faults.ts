import type { FastifyReply } from 'fastify';
import { dotNetErrorBody } from './errors.js';
import type { FaultConfig } from './scenario.js';

export type FaultKind = '5xx' | '429' | 'timeout';

/** How long a "timeout" fault holds a request before giving up itself (docs/emulator.md). */
export const TIMEOUT_HOLD_MS = 30_000;

/** One uniform draw split into [5xx | 429 | timeout | none] bands, so the rates add up like probabilities. */
export function decideFault(config: FaultConfig, random: () => number = Math.random): FaultKind | null {
  const total = config.rate5xx + config.rate429 + config.rateTimeout;
  if (total <= 0) return null;
  const r = random();
  if (r < config.rate5xx) return '5xx';
  if (r < config.rate5xx + config.rate429) return '429';
  if (r < total) return 'timeout';
  return null;
}

/**
 * Requests held by "timeout" faults. Each is answered (504) after the hold unless the client gave up first;
 * on close every hold is released at once, otherwise a graceful close would wait for them.
 */
export class HeldRequests {
  private readonly releasers = new Set<() => void>();

  /** Resolves true when the hold elapsed with the client still waiting, false when it left or we are closing. */
  hold(reply: FastifyReply, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const res = reply.raw;
      const finish = (stillConnected: boolean): void => {
        clearTimeout(timer);
        res.off('close', onClose);
        this.releasers.delete(release);
        resolve(stillConnected);
      };
      const onClose = (): void => finish(false);
      const release = (): void => finish(false);
      const timer = setTimeout(() => finish(!res.destroyed && !res.writableEnded), ms);
      res.on('close', onClose);
      this.releasers.add(release);
    });
  }

  get size(): number {
    return this.releasers.size;
  }

  releaseAll(): void {
    for (const release of [...this.releasers]) release();
  }
}

export async function sendFault(
  kind: FaultKind,
  config: FaultConfig,
  reply: FastifyReply,
  held: HeldRequests,
): Promise<FastifyReply> {
  switch (kind) {
    case '5xx':
      return reply
        .code(503)
        .send(
          dotNetErrorBody(
            'E_SERVICE_UNAVAILABLE',
            'The service is temporarily unavailable (emulated fault).',
          ),
        );
    case '429':
      return reply
        .code(429)
        .header('retry-after', String(config.retryAfterSec))
        .send(dotNetErrorBody('E_TOO_MANY_REQUESTS', 'Too many requests (emulated fault).'));
    case 'timeout': {
      const stillWaiting = await held.hold(reply, TIMEOUT_HOLD_MS);
      if (stillWaiting) {
        return reply
          .code(504)
          .send(dotNetErrorBody('E_GATEWAY_TIMEOUT', 'The request timed out (emulated fault).'));
      }
      // The client left (or the emulator is closing): there is nobody to answer.
      reply.raw.destroy();
      return reply;
    }
  }
}

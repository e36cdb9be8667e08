// The soak's emulator scenario (the body of PUT /_emulator/scenario) and the worker settings it runs with.
import { ENDPOINT_NAMES } from '@verified-onboard/verified-emulator';

/** Every upstream endpoint the emulator can fault (docs/emulator.md), as the emulator itself lists them. */
export const EMULATOR_ENDPOINTS = ENDPOINT_NAMES;

export function faultEveryEndpoint(fault: {
  rate5xx: number;
  rate429: number;
  retryAfterSec: number;
  rateTimeout: number;
}) {
  return Object.fromEntries(EMULATOR_ENDPOINTS.map((endpoint) => [endpoint, fault]));
}

/**
 * The fault mix: on every endpoint 10% 5xx, 5% 429 (Retry-After 1 s, the emulator's default) and
 * 2% timeouts; 30% of webhooks dropped. Users take 1–5 s; 90% accept, 10% reject, so the run covers a
 * terminal status other than `completed` too.
 */
export const SOAK_SCENARIO = {
  user: {
    afterMs: { min: 1000, max: 5000 },
    mix: [
      { outcome: 'accept', weight: 90 },
      { outcome: 'reject', weight: 10 },
    ],
  },
  latencyMs: { min: 2, max: 20 },
  webhook: { enabled: true, dropRate: 0.3 },
  faults: faultEveryEndpoint({ rate5xx: 0.1, rate429: 0.05, retryAfterSec: 1, rateTimeout: 0.02 }),
};

/**
 * Worker settings for the soak (services/worker/src/config.ts), chosen so that the faults above cannot
 * exhaust a step's retries by themselves, and so that a killed worker's jobs come back in seconds:
 *
 * - 15 attempts with backoff from 250 ms capped at 10 s: about 90 s of retrying per step, which outlasts a
 *   broker restart (publishing fails while Kafka is down, and that costs attempts too). A retryable fault
 *   is 12% of calls (429s do not use an attempt), so 15 failures in a row has odds near 1e-14.
 * - 2 s upstream timeout: a held ("timeout") call ties up a worker slot for 2 s instead of 10 s.
 * - Lock 10 s, stalled check every 2 s: jobs of a SIGKILLed worker are taken over within ~12 s.
 * - 500 upstream calls/s: the emulator is local; the fleet-wide 429 pause stays in force.
 * - Polls every 2 s at first (webhooks are dropped 30% of the time, so polling must carry the rest).
 */
export const SOAK_WORKER_ENV: Record<string, string> = {
  WORKER_CONCURRENCY: '32',
  WORKER_JOB_ATTEMPTS: '15',
  WORKER_BACKOFF_BASE_MS: '250',
  WORKER_BACKOFF_MAX_MS: '10000',
  WORKER_STALLED_INTERVAL_MS: '2000',
  WORKER_LOCK_DURATION_MS: '10000',
  WORKER_SHUTDOWN_TIMEOUT_MS: '5000',
  VERIFIED_TIMEOUT_MS: '2000',
  VERIFIED_RATE_LIMIT_PER_SEC: '500',
  POLL_INITIAL_INTERVAL_MS: '2000',
  POLL_FAST_PHASE_MS: '60000',
  POLL_MAX_INTERVAL_MS: '10000',
  POLL_GRACE_MS: '30000',
  // 30% of webhooks are dropped: the backup poll finds those within 10 s instead of the default 60 s.
  POLL_WEBHOOK_INTERVAL_MS: '10000',
};

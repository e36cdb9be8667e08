import type { PollSchedule } from '../config.js';

export interface PollTiming {
  /** When the poll job first ran (ms since epoch); anchors the fast phase. */
  startedAt: number;
  /** Delay used for the previous re-delay, 0 before the first one. */
  previousDelayMs: number;
  /** When the upstream operation times out (ms since epoch). */
  operationExpiresAt: number;
}

export type PollDecision = { kind: 'delay'; delayMs: number } | { kind: 'give_up' };

/**
 * Next poll of a pending operation: the upstream recommends about 5 s while someone may be at the
 * capture page (fast phase), after that the interval grows geometrically up to a cap, because most
 * people who have not finished within minutes finish much later or never. Polling stops at the
 * operation's own timeout plus a grace (the upstream needs a moment to flip the status to Expired).
 */
export function nextPoll(schedule: PollSchedule, timing: PollTiming, now: number): PollDecision {
  const deadline = timing.operationExpiresAt + schedule.graceMs;
  if (now >= deadline) return { kind: 'give_up' };
  const elapsed = now - timing.startedAt;
  let delayMs: number;
  if (elapsed < schedule.fastPhaseMs || timing.previousDelayMs <= 0) {
    delayMs = schedule.initialIntervalMs;
  } else {
    delayMs = Math.min(schedule.maxIntervalMs, Math.ceil(timing.previousDelayMs * schedule.growthFactor));
  }
  // One last look right at the deadline rather than sleeping past it.
  return { kind: 'delay', delayMs: Math.max(1, Math.min(delayMs, deadline - now)) };
}

/**
 * The schedule in force. While this worker's webhook registration stands, the upstream tells us when a
 * status changes, so a fast poll would only repeat "pending" (a 30-s user cost 6 status calls). Polling
 * becomes a slow backup for a lost webhook: every `webhookIntervalMs` from the start, growing as usual.
 */
export function effectiveSchedule(schedule: PollSchedule, webhooksActive: boolean): PollSchedule {
  if (!webhooksActive || schedule.webhookIntervalMs <= 0) return schedule;
  return {
    ...schedule,
    initialIntervalMs: schedule.webhookIntervalMs,
    fastPhaseMs: 0,
    maxIntervalMs: Math.max(schedule.maxIntervalMs, schedule.webhookIntervalMs),
  };
}

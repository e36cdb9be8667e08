import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/pipeline/backoff.js';
import { effectiveSchedule, nextPoll } from '../src/pipeline/poll-schedule.js';
import { stepPriority } from '../src/queues/steps-queue.js';
import { parseStepJobId, readStepJobData, stepJobId, type StepJobData } from '../src/pipeline/job-data.js';

const schedule = {
  initialIntervalMs: 5_000,
  fastPhaseMs: 120_000,
  maxIntervalMs: 60_000,
  growthFactor: 1.5,
  graceMs: 60_000,
  hintRecheckMs: 1_000,
  webhookIntervalMs: 60_000,
};
const t0 = 1_000_000;
const expiresAt = t0 + 3600_000;

/** The decision at `now` for an operation started at t0 that expires an hour later. */
const pollAt = (now: number, previousDelayMs: number, s: typeof schedule = schedule) =>
  nextPoll(s, { startedAt: t0, previousDelayMs, operationExpiresAt: expiresAt }, now);

describe('poll schedule', () => {
  it('polls every 5 s during the first two minutes', () => {
    expect(pollAt(t0, 0)).toEqual({ kind: 'delay', delayMs: 5_000 });
    expect(pollAt(t0 + 119_000, 5_000)).toEqual({ kind: 'delay', delayMs: 5_000 });
  });

  it('then grows geometrically up to 60 s', () => {
    const delays: number[] = [];
    let previous = 5_000;
    let now = t0 + 120_000;
    for (let i = 0; i < 10; i++) {
      const d = pollAt(now, previous);
      if (d.kind !== 'delay') throw new Error('unexpected give up');
      delays.push(d.delayMs);
      previous = d.delayMs;
      now += d.delayMs;
    }
    expect(delays[0]).toBe(7_500);
    expect(delays.slice(1).every((d, i) => d >= (delays[i] ?? Infinity))).toBe(true);
    expect(Math.max(...delays)).toBe(60_000);
  });

  it('never sleeps past the operation timeout plus grace, and gives up after it', () => {
    const deadline = expiresAt + schedule.graceMs;
    expect(pollAt(deadline - 2_000, 60_000)).toEqual({ kind: 'delay', delayMs: 2_000 });
    expect(pollAt(deadline, 60_000)).toEqual({ kind: 'give_up' });
  });
});

describe('poll schedule while webhooks are registered', () => {
  it('is the default schedule while no webhook is registered', () => {
    expect(effectiveSchedule(schedule, false)).toBe(schedule);
  });

  it('backs the webhook up every 60 s from the start instead of every 5 s', () => {
    const backup = effectiveSchedule(schedule, true);
    expect(pollAt(t0, 0, backup)).toEqual({ kind: 'delay', delayMs: 60_000 });
    expect(pollAt(t0 + 60_000, 60_000, backup)).toEqual({ kind: 'delay', delayMs: 60_000 });
    // Still looks one last time at the operation's deadline.
    expect(pollAt(expiresAt + 50_000, 60_000, backup)).toEqual({ kind: 'delay', delayMs: 10_000 });
  });

  it('a backup interval longer than the cap raises the cap', () => {
    expect(effectiveSchedule({ ...schedule, webhookIntervalMs: 300_000 }, true)).toMatchObject({
      initialIntervalMs: 300_000,
      maxIntervalMs: 300_000,
    });
  });

  it('POLL_WEBHOOK_INTERVAL_MS=0 keeps the default schedule even with webhooks', () => {
    expect(effectiveSchedule({ ...schedule, webhookIntervalMs: 0 }, true)).toEqual({
      ...schedule,
      webhookIntervalMs: 0,
    });
  });
});

describe('retry backoff', () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };

  it('grows exponentially with jitter in [cap/2, cap]', () => {
    expect(retryDelayMs(1, undefined, { ...options, random: () => 0 })).toBe(500);
    expect(retryDelayMs(1, undefined, { ...options, random: () => 1 })).toBe(1_000);
    expect(retryDelayMs(4, undefined, { ...options, random: () => 0 })).toBe(4_000);
    expect(retryDelayMs(4, undefined, { ...options, random: () => 1 })).toBe(8_000);
  });

  it('is capped', () => {
    expect(retryDelayMs(40, undefined, { ...options, random: () => 1 })).toBe(60_000);
  });

  it("honours the upstream's Retry-After as a floor", () => {
    expect(retryDelayMs(1, 7_000, { ...options, random: () => 0 })).toBe(7_000);
    expect(retryDelayMs(5, 100, { ...options, random: () => 0 })).toBe(8_000);
  });
});

describe('queue layout', () => {
  it('orders continuing interactive < new interactive < continuing batch < new batch', () => {
    const order = [
      stepPriority('interactive', 'continuing'),
      stepPriority('interactive', 'new'),
      stepPriority('batch', 'continuing'),
      stepPriority('batch', 'new'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(new Set(order).size).toBe(4);
  });

  it('job data stored before `admission` replaced `start` reads with the same priority class', () => {
    const data: StepJobData = {
      enrollmentId: 'e-1',
      generation: 0,
      nextSequence: 2,
      correlationId: 'c',
      causationId: null,
      admission: 'new',
      mode: 'capture',
      priority: 'batch',
      requestedAt: '2030-01-01T00:00:00.000Z',
    };
    const { admission: _, ...rest } = data;
    expect(readStepJobData({ ...rest, start: true })).toEqual(data);
    expect(readStepJobData({ ...rest, start: false })).toEqual({ ...data, admission: 'continuing' });
    expect(readStepJobData(data)).toBe(data);
  });

  it('job ids are deterministic and free of ":" (BullMQ custom ids)', () => {
    const id = stepJobId('3f1c2a4e-0000-4000-8000-000000000001', 'poll', 7);
    expect(id).toBe('3f1c2a4e-0000-4000-8000-000000000001.poll.7');
    expect(id).not.toContain(':');
    expect(parseStepJobId(id)).toEqual({
      enrollmentId: '3f1c2a4e-0000-4000-8000-000000000001',
      step: 'poll',
      generation: 7,
    });
    expect(parseStepJobId('some-other-job')).toBeNull();
  });
});

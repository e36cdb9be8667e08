import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../src/clock.js';
import { DueQueue } from '../src/due-queue.js';
import { decideFault } from '../src/faults.js';
import { DEFAULT_SCENARIO, mergeScenario, pickInRange, pickOutcome } from '../src/scenario.js';

const sequence = (...values: number[]) => {
  let i = 0;
  return (): number => {
    const value = values[i++ % values.length];
    if (value === undefined) throw new Error('sequence() needs at least one value');
    return value;
  };
};

describe('scenario logic (pure)', () => {
  it('pickOutcome follows the weights of mix and falls back to the fixed outcome', () => {
    const user = {
      outcome: 'accept' as const,
      afterMs: 0,
      mix: [
        { outcome: 'reject' as const, weight: 1 },
        { outcome: 'error' as const, weight: 3 },
      ],
    };
    expect(pickOutcome(user, sequence(0))).toBe('reject');
    expect(pickOutcome(user, sequence(0.24))).toBe('reject');
    expect(pickOutcome(user, sequence(0.26))).toBe('error');
    expect(pickOutcome(user, sequence(0.999999))).toBe('error');
    expect(pickOutcome({ outcome: 'cancel', afterMs: 0 }, sequence(0.5))).toBe('cancel');
  });

  it('pickInRange is uniform between min and max', () => {
    expect(pickInRange(40)).toBe(40);
    expect(pickInRange({ min: 10, max: 20 }, sequence(0))).toBe(10);
    expect(pickInRange({ min: 10, max: 20 }, sequence(0.5))).toBe(15);
  });

  it('decideFault splits one draw into 5xx, 429 and timeout bands', () => {
    const config = { rate5xx: 0.1, rate429: 0.2, rateTimeout: 0.3, retryAfterSec: 1, afterEffect: false };
    expect(decideFault(config, sequence(0.05))).toBe('5xx');
    expect(decideFault(config, sequence(0.15))).toBe('429');
    expect(decideFault(config, sequence(0.45))).toBe('timeout');
    expect(decideFault(config, sequence(0.65))).toBeNull();
    expect(decideFault({ ...config, rate5xx: 0, rate429: 0, rateTimeout: 0 }, sequence(0))).toBeNull();
  });

  it('mergeScenario deep-merges without touching the base and clears with null', () => {
    const merged = mergeScenario(DEFAULT_SCENARIO, {
      user: { mix: [{ outcome: 'reject', weight: 1 }] },
      faults: { token: { rate5xx: 1 } },
    });
    expect(merged.user).toEqual({ outcome: 'accept', afterMs: 0, mix: [{ outcome: 'reject', weight: 1 }] });
    expect(DEFAULT_SCENARIO.faults).toEqual({});
    const cleared = mergeScenario(merged, { user: { mix: null }, faults: { token: null } });
    expect(cleared.user.mix).toBeUndefined();
    expect(cleared.faults).toEqual({});
    expect(() => mergeScenario(merged, { user: { mix: [{ outcome: 'accept', weight: 0 }] } })).toThrow();
  });
});

describe('DueQueue', () => {
  it('fires due entries in time order when drained after the clock moved', () => {
    let now = 1_000;
    const clock = new EmulatorClock(() => now);
    const fired: string[] = [];
    const queue = new DueQueue(clock, (id) => fired.push(id));
    queue.push(5_000, 'c');
    queue.push(2_000, 'a');
    queue.push(3_000, 'b');
    queue.push(9_000, 'd');
    queue.drain();
    expect(fired).toEqual([]);
    now = 3_000;
    queue.drain();
    expect(fired).toEqual(['a', 'b']);
    clock.advance(2_000);
    queue.drain();
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(1);
    queue.close();
    expect(queue.size).toBe(0);
  });

  it('fires on its own timer on the real clock', async () => {
    const clock = new EmulatorClock();
    const fired: string[] = [];
    const queue = new DueQueue(clock, (id) => fired.push(id));
    queue.push(clock.now() + 20, 'later');
    queue.push(clock.now(), 'now');
    await waitFor('both entries to fire', () => fired.length >= 2, { intervalMs: 5 });
    expect(fired).toEqual(['now', 'later']);
    queue.close();
  });
});

// The arithmetic behind the redis_commands and cpu figures: parsing INFO commandstats and /proc/<pid>/stat,
// and turning counter deltas into per-enrollment figures.
import { describe, expect, it } from 'vitest';
import { commandCallsFromInfo, cpuMsPer, cpuTicksFromProcStat, delta, sum } from '../stats.js';

describe('commandCallsFromInfo', () => {
  it('reads the calls of every command, sub-commands included, and ignores the rest of the section', () => {
    const text = [
      '# Commandstats',
      'cmdstat_evalsha:calls=120,usec=900,usec_per_call=7.50,rejected_calls=0,failed_calls=0',
      'cmdstat_client|setname:calls=4,usec=2,usec_per_call=0.50,rejected_calls=0,failed_calls=0',
      'cmdstat_hget:calls=7,usec=3,usec_per_call=0.43',
      '',
    ].join('\r\n');
    expect(commandCallsFromInfo(text)).toEqual({ evalsha: 120, 'client|setname': 4, hget: 7 });
  });

  it('gives the commands run between two readings as a delta', () => {
    const before = commandCallsFromInfo('cmdstat_get:calls=10,usec=1\r\ncmdstat_set:calls=5,usec=1');
    const after = commandCallsFromInfo(
      'cmdstat_get:calls=30,usec=1\r\ncmdstat_set:calls=5,usec=1\r\ncmdstat_zadd:calls=2,usec=1',
    );
    expect(delta(after, before)).toEqual({ get: 20, zadd: 2 });
    expect(sum(delta(after, before))).toBe(22);
  });
});

describe('cpuTicksFromProcStat', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    const stat =
      '4242 (node) S 1 4242 4242 0 -1 4194560 9001 0 0 0 1234 567 0 0 20 0 11 0 5000 1000000 20000 18446744073709551615';
    expect(cpuTicksFromProcStat(stat)).toBe(1234 + 567);
  });

  it('counts the fields after the last parenthesis, so a name with spaces or parentheses is read right', () => {
    const stat = '77 (odd (name) x) R 1 77 77 0 -1 0 0 0 0 0 40 2 0 0 20 0 1 0 9 0 0';
    expect(cpuTicksFromProcStat(stat)).toBe(42);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => cpuTicksFromProcStat('nonsense')).toThrow(/not a \/proc/);
  });
});

describe('cpuMsPer', () => {
  it('turns tick deltas per process into CPU milliseconds per unit, and their sum', () => {
    const before = { api: 100, worker: 1000 };
    const after = { api: 150, worker: 1400 };
    // 50 and 400 ticks at 100 Hz = 500 ms and 4000 ms, over 1000 enrollments.
    expect(cpuMsPer(after, before, 100, 1000)).toEqual({
      total: 4.5,
      byProcess: { worker: 4, api: 0.5 },
    });
  });

  it('does not divide by zero when nothing completed', () => {
    expect(cpuMsPer({ api: 10 }, { api: 0 }, 100, 0).total).toBe(100);
  });
});

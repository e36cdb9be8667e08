// The arithmetic of the figures' reports: counter deltas, sums, rounding and percentiles.

/** Sorted deltas of two counter maps (after - before), zeros dropped. */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

export const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Calls per command from the text of `INFO commandstats` (`cmdstat_get:calls=12,usec=…`), by command name. */
export function commandCallsFromInfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):(?:.*,)?calls=(\d+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * User + system CPU of a process in clock ticks, from the text of /proc/<pid>/stat. The command name (field 2)
 * is in parentheses and may itself hold spaces or parentheses, so the fields are counted after the last ')':
 * utime and stime are fields 14 and 15 of the line, the 12th and 13th after the name.
 */
export function cpuTicksFromProcStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`not a /proc/<pid>/stat line: ${stat}`);
  return utime + stime;
}

/** CPU milliseconds per unit of work from per-process tick counters taken before and after (ticks at `hz`). */
export function cpuMsPer(
  after: Record<string, number>,
  before: Record<string, number>,
  hz: number,
  units: number,
): { total: number; byProcess: Record<string, number> } {
  const byProcess: Record<string, number> = {};
  for (const [name, ticks] of Object.entries(delta(after, before)))
    byProcess[name] = (ticks * 1000) / hz / Math.max(1, units);
  return { total: sum(byProcess), byProcess };
}

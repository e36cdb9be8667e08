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

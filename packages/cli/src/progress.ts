/** Statuses with no work left to wait for: the terminal ones and `failed` (which only an ops retry resumes). */
export const SETTLED_STATUSES = [
  'completed',
  'rejected',
  'expired',
  'errored',
  'canceled',
  'failed',
] as const;

export interface BatchView {
  batchId: string;
  total: number;
  byStatus: Record<string, number>;
}

export function settledCount(batch: BatchView): number {
  return SETTLED_STATUSES.reduce((sum, s) => sum + (batch.byStatus[s] ?? 0), 0);
}

/** One line: a bar of terminal work over what was accepted, then the count per status. */
export function progressLine(batch: BatchView, accepted: number, width = 30): string {
  const done = settledCount(batch);
  const ratio = accepted === 0 ? 1 : Math.min(1, done / accepted);
  const filled = Math.round(ratio * width);
  const counts = Object.entries(batch.byStatus)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, n]) => `${s} ${n}`)
    .join('  ');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${accepted} ${(ratio * 100).toFixed(0).padStart(3)}%  ${counts}`;
}

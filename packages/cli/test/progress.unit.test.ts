import { describe, expect, it } from 'vitest';
import { progressLine, settledCount } from '../src/index.js';

describe('batch progress', () => {
  const batch = {
    batchId: 'b',
    total: 10,
    byStatus: { requested: 2, capture_pending: 3, completed: 4, failed: 1 },
  };

  it('counts only terminal statuses as done', () => {
    expect(settledCount(batch)).toBe(5);
  });

  it('draws the share of terminal work over what was accepted, with counts per status', () => {
    expect(progressLine(batch, 10, 10)).toBe(
      '[#####.....] 5/10  50%  capture_pending 3  completed 4  failed 1  requested 2',
    );
  });

  it('is full, not over-full, when projections count more than accepted (a resubmitted batch)', () => {
    expect(progressLine({ batchId: 'b', total: 3, byStatus: { completed: 3 } }, 2, 4)).toBe(
      '[####] 3/2 100%  completed 3',
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, type EnrollmentEvent, type EnrollmentMode, type EnrollmentState } from '../src/index.js';
import { Stream } from './support/builders.js';
import { legacyFold } from './support/legacy-fold.js';

// The domain core replaced the fold's own transition rules; this pins that nothing changed: over random
// streams, valid or not, the fold through `evolve` returns what the old fold returned, or throws what it threw.

type Move = (s: Stream) => void;
const MOVES: Move[] = [
  (s) => s.captureStarted(),
  (s) => s.captureStarted('op-other'),
  (s) => s.captureCompleted(1),
  (s) => s.captureCompleted(2),
  (s) => s.captureCompleted(3),
  (s) => s.captureCompleted(4),
  (s) => s.captureCompleted(5),
  (s) => s.captureCompleted(1, 'op-other'),
  (s) => s.accountCreated(),
  (s) => s.credentialAttached('proofed'),
  (s) => s.credentialAttached('biometric'),
  (s) => s.completed(),
  (s) => s.failed('begin'),
  (s) => s.failed('poll'),
  (s) => s.failed('account'),
  (s) => s.failed('credential', 'credential_conflict', false),
  (s) => s.retried('account'),
  (s) => s.requested(),
];

const streams = fc
  .record({
    mode: fc.constantFrom<EnrollmentMode>('capture', 'import', 'recapture'),
    moves: fc.array(fc.nat({ max: MOVES.length - 1 }), { maxLength: 12 }),
    // Mostly the moves the previous status allows, so that long valid streams are common too.
    n: fc.nat(),
  })
  .map(({ mode, moves, n }) => {
    const s = new Stream(`enr-e${n}`);
    s.requested(mode);
    for (const m of moves) {
      const candidate = new Stream(s.id);
      candidate.events.push(...s.events);
      MOVES[m]?.(candidate);
      // Keep the move when the old fold accepts it; otherwise keep it with probability ~1/4 (invalid streams).
      if (outcome(legacyFold, candidate.events).ok || m % 4 === 0)
        s.events.splice(0, s.events.length, ...candidate.events);
    }
    return s.events;
  });

function outcome(
  f: (events: EnrollmentEvent[]) => EnrollmentState,
  events: EnrollmentEvent[],
): { ok: true; state: EnrollmentState } | { ok: false; error: string } {
  try {
    return { ok: true, state: f(events) };
  } catch (error) {
    return { ok: false, error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

describe('fold through the domain core', () => {
  it('agrees with the old fold on every stream, valid or not', () => {
    let valid = 0;
    fc.assert(
      fc.property(streams, (events) => {
        const old = outcome(legacyFold, events);
        if (old.ok) valid++;
        expect(outcome((e) => fold(e), events)).toEqual(old);
      }),
      { numRuns: 1000 },
    );
    // The generator must reach deep valid streams, not only refusals.
    expect(valid).toBeGreaterThan(300);
  });
});

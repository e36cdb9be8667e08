import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, type EnrollmentMode, type EnrollmentStatus } from '../src/index.js';
import { Stream, at, defined } from './support/builders.js';

type Move = (s: Stream) => void;

/**
 * The oracle: the spec's transitions written independently of fold. Returns the moves allowed from a
 * status, each with the status it leads to.
 */
function moves(
  mode: EnrollmentMode,
  status: EnrollmentStatus,
  attached: boolean,
  failedFrom: EnrollmentStatus | null,
): [Move, EnrollmentStatus, 'attach'?][] {
  const fail: [Move, EnrollmentStatus] = [(s) => s.failed(), 'failed'];
  switch (status) {
    case 'requested':
      return mode === 'import'
        ? [[(s) => s.accountCreated(), 'account_created'], fail]
        : [[(s) => s.captureStarted(), 'capture_pending'], fail];
    case 'capture_pending':
      return [
        [(s) => s.captureCompleted(1), 'captured'],
        [(s) => s.captureCompleted(2), 'rejected'],
        [(s) => s.captureCompleted(3), 'expired'],
        [(s) => s.captureCompleted(4), 'errored'],
        [(s) => s.captureCompleted(5), 'canceled'],
        fail,
      ];
    case 'captured':
      if (mode === 'capture') return [[(s) => s.accountCreated(), 'account_created'], fail];
      return attached
        ? [[(s) => s.completed(), 'completed'], fail]
        : [[(s) => s.credentialAttached(), 'captured', 'attach'], fail];
    case 'account_created':
      return attached
        ? [[(s) => s.completed(), 'completed'], fail]
        : [[(s) => s.credentialAttached(), 'account_created', 'attach'], fail];
    case 'failed':
      return [[(s) => s.retried(), defined(failedFrom, 'the status a failed enrollment failed from')]];
    default:
      return [];
  }
}

/** A random valid path through the state machine, with the status the oracle expects at its end. */
const validStream = fc
  .record({
    mode: fc.constantFrom<EnrollmentMode>('capture', 'import', 'recapture'),
    choices: fc.array(fc.nat(), { maxLength: 14 }),
    n: fc.nat(),
  })
  .map(({ mode, choices, n }) => {
    const s = new Stream(`enr-p${n}`);
    s.requested(mode);
    let status: EnrollmentStatus = 'requested';
    let attached = false;
    let failedFrom: EnrollmentStatus | null = null;
    for (const choice of choices) {
      const options = moves(mode, status, attached, failedFrom);
      if (options.length === 0) break;
      const [move, next, effect] = at(options, choice % options.length);
      move(s);
      if (next === 'failed') failedFrom = status;
      if (effect === 'attach') attached = true;
      status = next;
    }
    return { events: s.events, expected: status };
  });

describe('fold over random valid event sequences', () => {
  it('reaches the status the spec predicts', () => {
    fc.assert(
      fc.property(validStream, ({ events, expected }) => {
        const state = fold(events);
        expect(state.status).toBe(expected);
        expect(state.version).toBe(events.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is unchanged by duplicates and reorderings', () => {
    fc.assert(
      fc.property(
        validStream.chain(({ events }) =>
          fc.record({
            events: fc.constant(events),
            duplicates: fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 10 }),
            order: fc.array(fc.double({ noNaN: true }), {
              minLength: events.length + 10,
              maxLength: events.length + 10,
            }),
          }),
        ),
        ({ events, duplicates, order }) => {
          const noisy = [...events, ...duplicates.map((i) => structuredClone(at(events, i)))];
          const shuffled = noisy
            .map((e, i) => ({ e, k: at(order, i) }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          expect(fold(shuffled)).toEqual(fold(events));
        },
      ),
      { numRuns: 300 },
    );
  });
});

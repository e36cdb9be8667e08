import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  foldEnrollment,
  nextWork,
  workAfter,
  type EnrollmentEvent,
  type EnrollmentMode,
  type PendingEvent,
} from '../src/index.js';
import { Stream } from './support/builders.js';

// The step runner knows its job's position and the events its step recorded, not the enrollment's state:
// `workAfter` must name the work the whole stream names (`nextWork` of the fold), on every valid stream.

type Move = (s: Stream) => void;
const MOVES: Move[] = [
  (s) => s.captureStarted(),
  (s) => s.captureCompleted(1),
  (s) => s.captureCompleted(2),
  (s) => s.captureCompleted(3),
  (s) => s.captureCompleted(5),
  (s) => s.accountCreated(),
  (s) => {
    s.credentialAttached('proofed');
    s.completed();
  },
  (s) => s.failed('begin'),
  (s) => s.failed('account'),
  (s) => s.retried('account'),
];

const valid = (events: EnrollmentEvent[]): boolean => {
  try {
    foldEnrollment(events);
    return true;
  } catch {
    return false;
  }
};

/** A valid stream, and how many of its last events one step recorded (a credential records two). */
const streams = fc
  .record({
    mode: fc.constantFrom<EnrollmentMode>('capture', 'import', 'recapture'),
    moves: fc.array(fc.nat({ max: MOVES.length - 1 }), { minLength: 1, maxLength: 10 }),
  })
  .map(({ mode, moves }) => {
    const s = new Stream(`enr-${mode}`);
    s.requested(mode);
    let last = 1;
    for (const m of moves) {
      const candidate = new Stream(s.id);
      candidate.events.push(...s.events);
      MOVES[m]?.(candidate);
      if (!valid(candidate.events)) continue;
      last = candidate.events.length - s.events.length;
      s.events.splice(0, s.events.length, ...candidate.events);
    }
    return { mode, events: [...s.events], last };
  });

describe('workAfter, the next work from a step job alone', () => {
  it('names what nextWork names for the whole stream', () => {
    let moved = 0;
    fc.assert(
      fc.property(streams, ({ mode, events, last }) => {
        const recorded = events.slice(-last);
        const first = recorded[0];
        // A retry is an ops command, not a step; the request is the pipeline consumer's (nextWork of it).
        if (
          !first ||
          recorded.some((e) => e.type === EVENT_TYPES.retried || e.type === EVENT_TYPES.requested)
        )
          return;
        moved++;
        const whole = foldEnrollment(events);
        const generation = whole.state.status === 'none' ? 0 : whole.state.generation;
        const pending = recorded.map(({ type, data }) => ({ type, data }) as PendingEvent);
        expect(workAfter(mode, { generation, nextSequence: first.sequence }, pending)).toEqual(
          nextWork(whole),
        );
      }),
      { numRuns: 500 },
    );
    expect(moved).toBeGreaterThan(200);
  });

  it('schedules nothing after a step that recorded nothing', () => {
    expect(workAfter('capture', { generation: 0, nextSequence: 2 }, [])).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  evolveRecord,
  fold,
  InvalidTransitionError,
  MixedSubjectsError,
  SequenceConflictError,
  TERMINAL_STATUSES,
  type EnrollmentMode,
} from '../src/index.js';
import { happyPath, Stream, at } from './support/builders.js';

describe('fold: the enrollment state machine', () => {
  it.each<[EnrollmentMode, string[]]>([
    [
      'capture',
      ['requested', 'capture_pending', 'captured', 'account_created', 'account_created', 'completed'],
    ],
    ['import', ['requested', 'account_created', 'account_created', 'completed']],
    ['recapture', ['requested', 'capture_pending', 'captured', 'captured', 'completed']],
  ])(
    '%s goes through its statuses; credential_attached keeps the status and sets the flag',
    (mode, statuses) => {
      const { events } = happyPath(`enr-${mode}`, mode);
      const seen: string[] = [];
      let state = null;
      for (const e of events) {
        state = evolveRecord(state, e);
        seen.push(state.status);
      }
      expect(seen).toEqual(statuses);
      const final = fold(events);
      expect(final).toMatchObject({
        status: 'completed',
        mode,
        credentialAttached: true,
        version: events.length,
        retries: 0,
        failure: null,
      });
      expect(final.appliedEventIds).toEqual(events.map((e) => e.id));
      expect(final.lastEventId).toBe(at(events, -1).id);
      expect(final.createdAt).toBe(at(events, 0).time);
      expect(final.updatedAt).toBe(at(events, -1).time);
    },
  );

  it.each([
    [2, 'rejected'],
    [3, 'expired'],
    [4, 'errored'],
    [5, 'canceled'],
  ] as const)(
    'capture_completed with upstream status %i ends in %s, a terminal status',
    (upstream, status) => {
      const s = new Stream('enr-t');
      s.requested();
      s.captureStarted();
      s.captureCompleted(upstream);
      const state = fold(s.events);
      expect(state.status).toBe(status);
      expect(state.upstreamStatus).toBe(upstream);
      expect(TERMINAL_STATUSES.has(state.status)).toBe(true);
      s.failed();
      expect(() => fold(s.events)).toThrow(InvalidTransitionError);
    },
  );

  it('failed from any non-terminal status, retried back to the status before the failure', () => {
    const s = new Stream('enr-f');
    s.requested();
    s.captureStarted();
    s.captureCompleted(1);
    s.failed('account', 'upstream_unavailable', true);
    let state = fold(s.events);
    expect(state).toMatchObject({
      status: 'failed',
      failedFrom: 'captured',
      failure: { step: 'account', code: 'upstream_unavailable', retryable: true, attempts: 5 },
    });
    s.retried('account');
    state = fold(s.events);
    expect(state).toMatchObject({ status: 'captured', failure: null, failedFrom: null, retries: 1 });
    s.accountCreated();
    s.failed('credential');
    s.retried('credential');
    s.credentialAttached();
    s.completed();
    expect(fold(s.events)).toMatchObject({ status: 'completed', retries: 2 });
  });

  it.each<[string, (s: Stream) => void]>([
    ['an event before requested', (s) => s.captureStarted()],
    ['requested twice', (s) => (s.requested(), s.requested())],
    ['capture_started in import', (s) => (s.requested('import'), s.captureStarted())],
    [
      'account_created in recapture',
      (s) => (s.requested('recapture'), s.captureStarted(), s.captureCompleted(1), s.accountCreated()),
    ],
    ['account_created before capture', (s) => (s.requested('capture'), s.accountCreated())],
    [
      'completed without credential_attached',
      (s) => (s.requested('import'), s.accountCreated(), s.completed()),
    ],
    [
      'credential_attached twice',
      (s) => (s.requested('import'), s.accountCreated(), s.credentialAttached(), s.credentialAttached()),
    ],
    [
      'capture_completed of another operation',
      (s) => (s.requested(), s.captureStarted('op-a'), s.captureCompleted(1, 'op-b')),
    ],
    ['retried when not failed', (s) => (s.requested(), s.retried())],
    [
      'failed after completed',
      (s) => (happyPath(s.id, 'import').events.forEach((e) => s.events.push(e)), s.failed()),
    ],
    ['failed twice', (s) => (s.requested(), s.failed(), s.failed())],
  ])('rejects %s with InvalidTransitionError', (_name, build) => {
    const s = new Stream('enr-x');
    build(s);
    let error: unknown;
    try {
      fold(s.events);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as InvalidTransitionError).code).toBe('invalid_transition');
  });

  it('ignores duplicates, also a re-emitted event at a later sequence, and sorts by sequence', () => {
    const { events } = happyPath('enr-d', 'capture');
    const expected = fold(events);
    const reEmitted = { ...at(events, 2), sequence: 99 };
    expect(fold([...events].reverse())).toEqual(expected);
    expect(fold([at(events, 0), ...events, at(events, 3), at(events, 3)])).toEqual(expected);
    const state = fold(events.slice(0, 3));
    expect(evolveRecord(state, reEmitted)).toBe(state);
  });

  it('treats a different event at a used sequence as a conflict', () => {
    const a = new Stream('enr-c');
    a.requested();
    a.captureStarted();
    const b = new Stream('enr-c');
    b.requested();
    b.failed('begin');
    let error: unknown;
    try {
      fold([...a.events, at(b.events, 1)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SequenceConflictError);
    expect(error).toMatchObject({ code: 'sequence_conflict', sequence: 2, version: 2 });
  });

  it('continues from an initial state and refuses events of another enrollment', () => {
    const { events } = happyPath('enr-i', 'import');
    expect(fold(events.slice(2), fold(events.slice(0, 2)))).toEqual(fold(events));
    const other = happyPath('enr-other', 'import').event(1);
    expect(() => evolveRecord(fold(events.slice(0, 1)), other)).toThrow(MixedSubjectsError);
  });
});

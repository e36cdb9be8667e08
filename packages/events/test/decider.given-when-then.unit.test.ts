import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  parseEvent,
  UpcasterRegistry,
  type EnrollmentEvent,
  type EnrollmentMode,
} from '../src/index.js';
import { happyPath, requestedData, Stream } from './support/builders.js';
import { given, POLL_DEADLINE_MESSAGE, rejected, type Command, type PendingEvent } from './support/given.js';

// The specification of an enrollment: given the events already in its stream, when the pipeline observes
// something (a command), then these events are recorded, or the command is refused; and then this work
// comes next. Read top to bottom, it is the lifecycle of each mode.

const OPERATION = 'op-spec';
const EXPIRES = '2025-01-01T01:00:00.000Z';

/** An enrollment's stream, built event by event (`Stream` gives consecutive sequences and ids). */
function stream(mode: EnrollmentMode = 'capture', id = `enr-${mode}`): Stream {
  const s = new Stream(id);
  s.requested(mode);
  return s;
}
const events = (s: Stream): EnrollmentEvent[] => [...s.events];

const command = {
  request: (id: string, mode: EnrollmentMode): Command => ({
    type: 'Request',
    request: requestedData(id, mode),
  }),
  captureStarted: (): Command => ({
    type: 'CaptureStarted',
    operationId: OPERATION,
    operationExpiresAt: EXPIRES,
    transport: 'inline',
  }),
  captureObserved: (upstreamStatus: 1 | 2 | 3 | 4 | 5, operationId = OPERATION): Command => ({
    type: 'CaptureObserved',
    operationId,
    upstreamStatus,
    message: upstreamStatus === 1 ? null : 'the upstream said no',
  }),
  accountConfirmed: (id: string, alreadyExisted = false): Command => ({
    type: 'AccountConfirmed',
    accountNumber: `acct-${id}`,
    alreadyExisted,
  }),
  credentialAttached: (id: string, kind: 'proofed' | 'biometric' = 'proofed'): Command => ({
    type: 'CredentialAttached',
    accountNumber: `acct-${id}`,
    kind,
    replacedPrevious: false,
  }),
  stepFailed: (step: 'begin' | 'poll' | 'account' | 'credential'): Command => ({
    type: 'StepFailed',
    step,
    code: 'upstream_unavailable',
    message: 'gave up',
    retryable: true,
    attempts: 5,
  }),
  retryRequested: (): Command => ({ type: 'RetryRequested', reason: 'ops', requestedBy: 'ops@example.com' }),
};

const recorded = {
  requested: (id: string, mode: EnrollmentMode): PendingEvent => ({
    type: EVENT_TYPES.requested,
    data: requestedData(id, mode),
  }),
  captureStarted: (): PendingEvent => ({
    type: EVENT_TYPES.captureStarted,
    data: { operationId: OPERATION, operationExpiresAt: EXPIRES, transport: 'inline' },
  }),
  captureCompleted: (upstreamStatus: 1 | 2 | 3 | 4 | 5, message: string | null = null): PendingEvent => ({
    type: EVENT_TYPES.captureCompleted,
    data: { operationId: OPERATION, upstreamStatus, message },
  }),
  accountCreated: (id: string, alreadyExisted = false): PendingEvent => ({
    type: EVENT_TYPES.accountCreated,
    data: { accountNumber: `acct-${id}`, alreadyExisted },
  }),
  credentialAttachedAndCompleted: (id: string, kind: 'proofed' | 'biometric' = 'proofed'): PendingEvent[] => [
    {
      type: EVENT_TYPES.credentialAttached,
      data: { accountNumber: `acct-${id}`, kind, replacedPrevious: false },
    },
    { type: EVENT_TYPES.completed, data: {} },
  ],
};

/** A capture-mode stream whose capture started with OPERATION. */
function capturing(mode: 'capture' | 'recapture' = 'capture'): Stream {
  const s = stream(mode);
  s.captureStarted(OPERATION);
  return s;
}

describe('capture: a new person, selfie taken live', () => {
  const id = 'enr-capture';

  it('a request is recorded and its first work is to begin the capture, as new work', () => {
    given([], id)
      .when(command.request(id, 'capture'))
      .then([recorded.requested(id, 'capture')])
      .andNext({ step: 'begin', generation: 0, nextSequence: 2, admission: 'new' });
  });

  it('once the capture started, the pipeline polls for the person to finish', () => {
    given(events(stream()))
      .when(command.captureStarted())
      .then([recorded.captureStarted()])
      .andNext({ step: 'poll', generation: 0, nextSequence: 3, admission: 'continuing' });
  });

  it('an accepted capture is followed by creating the account', () => {
    given(events(capturing()))
      .when(command.captureObserved(1))
      .then([recorded.captureCompleted(1)])
      .andNext({ step: 'account', nextSequence: 4 });
  });

  it('the account is followed by binding the selfie to it', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    given(events(s))
      .when(command.accountConfirmed(id))
      .then([recorded.accountCreated(id)])
      .andNext({ step: 'credential', nextSequence: 5 });
  });

  it('an account that already existed as our own earlier effect counts as created', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    given(events(s))
      .when(command.accountConfirmed(id, true))
      .then([recorded.accountCreated(id, true)])
      .andNext({ step: 'credential' });
  });

  it('binding the selfie attaches the credential and completes the enrollment; nothing comes next', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    s.accountCreated();
    given(events(s))
      .when(command.credentialAttached(id))
      .then(recorded.credentialAttachedAndCompleted(id))
      .andNext(null);
  });

  it('a result for another operation than the one started is refused', () => {
    given(events(capturing())).when(command.captureObserved(1, 'op-other')).then(rejected());
  });

  it('creating the account before the capture was accepted is refused', () => {
    given(events(stream())).when(command.accountConfirmed(id)).then(rejected());
    given(events(capturing())).when(command.accountConfirmed(id)).then(rejected());
  });

  it('a capture result before the capture started is refused', () => {
    given(events(stream())).when(command.captureObserved(1)).then(rejected());
  });

  it('a completed enrollment refuses everything', () => {
    const done = events(happyPath(id, 'capture'));
    expect(given(done).status()).toBe('completed');
    given(done).when(command.credentialAttached(id)).then(rejected());
    given(done).when(command.stepFailed('credential')).then(rejected());
    given(done).when(command.retryRequested()).then(rejected());
  });
});

describe('recapture: an existing account gets a new selfie', () => {
  const id = 'enr-recapture';

  it('a request begins a capture on the existing account', () => {
    given([], id)
      .when(command.request(id, 'recapture'))
      .then([recorded.requested(id, 'recapture')])
      .andNext({ step: 'begin', admission: 'new' });
  });

  it('an accepted capture goes straight to the credential: the account already exists', () => {
    given(events(capturing('recapture')))
      .when(command.captureObserved(1))
      .then([recorded.captureCompleted(1)])
      .andNext({ step: 'credential', nextSequence: 4 });
  });

  it('creating an account is refused', () => {
    const s = capturing('recapture');
    s.captureCompleted(1, OPERATION);
    given(events(s)).when(command.accountConfirmed(id)).then(rejected());
  });

  it('binding the new selfie completes it', () => {
    const s = capturing('recapture');
    s.captureCompleted(1, OPERATION);
    given(events(s))
      .when(command.credentialAttached(id))
      .then(recorded.credentialAttachedAndCompleted(id))
      .andNext(null);
  });
});

describe('import: a selfie captured by another provider', () => {
  const id = 'enr-import';

  it('a request goes straight to creating the account: there is nothing to capture', () => {
    given([], id)
      .when(command.request(id, 'import'))
      .then([recorded.requested(id, 'import')])
      .andNext({ step: 'account', generation: 0, nextSequence: 2, admission: 'new' });
  });

  it('starting a capture is refused', () => {
    given(events(stream('import')))
      .when(command.captureStarted())
      .then(rejected());
  });

  it('the account is followed by binding the imported image, which completes the enrollment', () => {
    given(events(stream('import')))
      .when(command.accountConfirmed(id))
      .then([recorded.accountCreated(id)])
      .andNext({ step: 'credential', nextSequence: 3 });
    const s = stream('import');
    s.accountCreated();
    given(events(s))
      .when(command.credentialAttached(id, 'biometric'))
      .then(recorded.credentialAttachedAndCompleted(id, 'biometric'))
      .andNext(null);
  });
});

describe('hints: prompts to look again, never facts', () => {
  it('a hint before the capture began records nothing and the next work is still to begin', () => {
    given(events(stream())).when({ type: 'HintReceived' }).then([]).andNext({ step: 'begin' });
  });

  it('a hint while the capture is pending records nothing; the poll decides', () => {
    given(events(capturing())).when({ type: 'HintReceived' }).then([]).andNext({ step: 'poll' });
  });
});

describe('the capture ends without a selfie', () => {
  it.each([
    [2, 'rejected', 'rejection by the upstream'],
    [3, 'expired', 'expiry reported by the upstream'],
    [4, 'errored', 'an upstream error'],
    [5, 'canceled', 'the person canceling'],
  ] as const)(
    'upstream status %i (%s: %s) ends the enrollment; nothing comes next',
    (upstream, status, _why) => {
      given(events(capturing()))
        .when(command.captureObserved(upstream))
        .then([recorded.captureCompleted(upstream, 'the upstream said no')])
        .andNext(null);
      const s = capturing();
      s.captureCompleted(upstream, OPERATION);
      expect(given(events(s)).status()).toBe(status);
      given(events(s)).when(command.stepFailed('poll')).then(rejected());
      given(events(s)).when(command.retryRequested()).then(rejected());
    },
  );

  it('expiry by our own deadline: no final status before the operation timed out records it expired', () => {
    given(events(capturing()))
      .when({ type: 'PollDeadlinePassed', operationId: OPERATION })
      .then([recorded.captureCompleted(3, POLL_DEADLINE_MESSAGE)])
      .andNext(null);
  });
});

describe('failure and retry after failure', () => {
  it.each<[string, () => Stream, 'begin' | 'poll' | 'account' | 'credential']>([
    ['begin', () => stream(), 'begin'],
    ['poll', () => capturing(), 'poll'],
    [
      'account',
      () => {
        const s = capturing();
        s.captureCompleted(1, OPERATION);
        return s;
      },
      'account',
    ],
    [
      'credential',
      () => {
        const s = stream('import');
        s.accountCreated();
        return s;
      },
      'credential',
    ],
  ])('a step that gives up (%s) fails the enrollment; nothing runs until ops retry it', (_n, build, step) => {
    given(events(build()))
      .when(command.stepFailed(step))
      .then([
        {
          type: EVENT_TYPES.failed,
          data: { step, code: 'upstream_unavailable', message: 'gave up', retryable: true, attempts: 5 },
        },
      ])
      .andNext(null);
  });

  it('a retry returns to the failed step, under a new generation (the retried event sequence)', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    s.failed('account');
    given(events(s))
      .when(command.retryRequested())
      .then([
        {
          type: EVENT_TYPES.retried,
          data: { step: 'account', reason: 'ops', requestedBy: 'ops@example.com' },
        },
      ])
      .andNext({ step: 'account', generation: 5, nextSequence: 6, admission: 'continuing' });
  });

  it('the steps after a retry keep its generation', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    s.failed('account');
    s.retried('account');
    given(events(s))
      .when(command.accountConfirmed('enr-capture'))
      .then([recorded.accountCreated('enr-capture')])
      .andNext({ step: 'credential', generation: 5, nextSequence: 7 });
  });

  it('a retry of an enrollment that has not failed is refused', () => {
    given(events(capturing())).when(command.retryRequested()).then(rejected());
  });

  it('a failed enrollment cannot fail again', () => {
    const s = stream();
    s.failed('begin');
    given(events(s)).when(command.stepFailed('begin')).then(rejected());
  });
});

describe('duplicate delivery', () => {
  it('a redelivered request of an enrollment that exists is refused: nothing begins twice', () => {
    const s = capturing();
    given(events(s)).when(command.request(s.id, 'capture')).then(rejected());
  });

  it('a redelivered or reordered event is folded once: the same state and the same next work', () => {
    const s = capturing();
    s.captureCompleted(1, OPERATION);
    const [first, second, third] = events(s);
    const noisy = [third, second, first, third, second, first].filter(
      (e): e is EnrollmentEvent => e !== undefined,
    );
    expect(given(noisy).next()).toEqual(given(events(s)).next());
    expect(given(noisy).next()).toMatchObject({ step: 'account', nextSequence: 4 });
  });
});

describe('older event versions', () => {
  it('an event of a superseded version is upcast to the current one before it is folded', () => {
    const registry = new UpcasterRegistry().register({
      from: 'enrollment.capture_started.v0',
      to: EVENT_TYPES.captureStarted,
      // v0 (hypothetical) named the deadline `expiresAt` and had no transport.
      upcast: (data) => {
        const { expiresAt, ...rest } = data as { expiresAt: string; operationId: string };
        return { ...rest, operationExpiresAt: expiresAt, transport: 'inline' };
      },
    });
    const s = stream();
    const started = new Stream(s.id);
    started.requested();
    const current = started.captureStarted(OPERATION);
    const v0 = parseEvent(
      {
        ...current,
        type: 'enrollment.capture_started.v0',
        data: { operationId: OPERATION, expiresAt: EXPIRES },
      },
      { upcasters: registry },
    ) as EnrollmentEvent;
    expect(v0.type).toBe(EVENT_TYPES.captureStarted);
    given([...events(s), v0])
      .when(command.captureObserved(1))
      .then([recorded.captureCompleted(1)])
      .andNext({ step: 'account' });
  });
});

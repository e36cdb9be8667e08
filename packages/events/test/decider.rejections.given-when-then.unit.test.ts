import { describe, expect, it } from 'vitest';
import { decide, foldEnrollment, type RejectionCode } from '../src/index.js';
import { Stream } from './support/builders.js';
import { given, rejected, type Command } from './support/given.js';
import { captured, capturing, command, events, OPERATION, stream } from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: what the lifecycle refuses,
// and why. The preconditions the shells used to check themselves (no poll before begin, no account before
// the capture, no retry of a finished enrollment) are answers of the core, each with a stable code.

const deadline = (operationId = OPERATION): Command => ({ type: 'PollDeadlinePassed', operationId });

function settled(how: 'completed' | 'rejected'): Stream {
  if (how === 'rejected') {
    const s = capturing();
    s.captureCompleted(2, OPERATION);
    return s;
  }
  const s = captured();
  s.accountCreated();
  s.credentialAttached();
  s.completed();
  return s;
}

describe('nothing happens to an enrollment that does not exist, and a request is made once', () => {
  it('a step for an enrollment never requested is refused (no_enrollment)', () => {
    given([], 'enr-ghost').when(command.captureStarted()).then(rejected('no_enrollment'));
    given([], 'enr-ghost').when(command.retryRequested()).then(rejected('no_enrollment'));
  });

  it('a second request for the same enrollment is refused (already_requested)', () => {
    given(events(stream()))
      .when(command.request('enr-capture', 'capture'))
      .then(rejected('already_requested'));
  });
});

describe('the steps of a mode come in its order', () => {
  it('no poll before begin: a capture result or deadline before the capture started (capture_not_started)', () => {
    given(events(stream())).when(command.captureObserved(1)).then(rejected('capture_not_started'));
    given(events(stream('recapture')))
      .when(deadline())
      .then(rejected('capture_not_started'));
  });

  it('no account before the capture was accepted (capture_not_accepted)', () => {
    given(events(stream()))
      .when(command.accountConfirmed('enr-capture'))
      .then(rejected('capture_not_accepted'));
    given(events(capturing()))
      .when(command.accountConfirmed('enr-capture'))
      .then(rejected('capture_not_accepted'));
  });

  it('no credential before an accepted capture (recapture) or before the account (capture, import)', () => {
    given(events(capturing('recapture')))
      .when(command.credentialAttached('enr-recapture'))
      .then(rejected('capture_not_accepted'));
    given(events(captured()))
      .when(command.credentialAttached('enr-capture'))
      .then(rejected('account_not_created'));
    given(events(stream('import')))
      .when(command.credentialAttached('enr-import', 'biometric'))
      .then(rejected('account_not_created'));
  });

  it('a mode has only its own steps: an import captures nothing, a recapture creates no account (not_in_mode)', () => {
    given(events(stream('import')))
      .when(command.captureStarted())
      .then(rejected('not_in_mode'));
    given(events(stream('import')))
      .when(command.captureObserved(1))
      .then(rejected('not_in_mode'));
    given(events(captured('recapture')))
      .when(command.accountConfirmed('enr-recapture'))
      .then(rejected('not_in_mode'));
  });

  it("a capture result for another operation than the enrollment's is refused (operation_mismatch)", () => {
    given(events(capturing()))
      .when(command.captureObserved(1, 'op-other'))
      .then(rejected('operation_mismatch'));
    given(events(capturing())).when(deadline('op-other')).then(rejected('operation_mismatch'));
  });

  it('a step the enrollment is past is not recorded twice (already_done)', () => {
    given(events(capturing())).when(command.captureStarted()).then(rejected('already_done'));
    given(events(captured())).when(command.captureObserved(1)).then(rejected('already_done'));
    const s = captured();
    s.accountCreated();
    given(events(s)).when(command.accountConfirmed('enr-capture')).then(rejected('already_done'));
  });
});

describe('a finished enrollment stays finished; a failed one waits for ops', () => {
  it.each(['completed', 'rejected'] as const)(
    'a %s enrollment takes no step and no retry (settled)',
    (how) => {
      const s = settled(how);
      given(events(s)).when(command.retryRequested()).then(rejected('settled'));
      given(events(s)).when(command.stepFailed('credential')).then(rejected('settled'));
      given(events(s)).when(command.captureObserved(1)).then(rejected('settled'));
    },
  );

  it('a retry of an enrollment in progress is refused: a retry never repeats a step (not_failed)', () => {
    given(events(captured())).when(command.retryRequested()).then(rejected('not_failed'));
  });

  it('a failed enrollment takes no step until it is retried (awaiting_retry)', () => {
    const s = captured();
    s.failed('account');
    given(events(s)).when(command.accountConfirmed('enr-capture')).then(rejected('awaiting_retry'));
    given(events(s)).when(command.stepFailed('account')).then(rejected('awaiting_retry'));
  });
});

describe('every refusal has a reason', () => {
  // Every command on an enrollment at every stage: the core accepts it or names why not; the catch-all code
  // stays unused, so a new precondition cannot slip in without a name.
  const COMMANDS: Command[] = [
    command.request('enr-capture', 'capture'),
    command.captureStarted(),
    command.captureObserved(1),
    command.captureObserved(3, 'op-other'),
    deadline(),
    command.accountConfirmed('enr-capture'),
    command.credentialAttached('enr-capture'),
    command.stepFailed('poll'),
    command.retryRequested(),
  ];
  const BUILDERS: (() => Stream)[] = [
    () => stream(),
    () => stream('import'),
    () => capturing('recapture'),
    () => captured(),
    () => captured('recapture'),
    () => settled('completed'),
    () => settled('rejected'),
    () => {
      const s = captured();
      s.failed('account');
      return s;
    },
  ];

  it('no command is refused as a bare invalid_transition', () => {
    const codes = new Set<RejectionCode>();
    for (const build of [() => new Stream('enr-capture'), ...BUILDERS])
      for (const cmd of COMMANDS) {
        const decision = decide(foldEnrollment(build().events).state, cmd);
        if (!('rejection' in decision)) continue;
        codes.add(decision.rejection.code);
        expect(decision.rejection.code, `${cmd.type} on ${decision.rejection.detail}`).not.toBe(
          'invalid_transition',
        );
      }
    expect(codes.size).toBeGreaterThan(8);
  });
});

import { describe, expect, it } from 'vitest';
import { happyPath } from './support/builders.js';
import { given, rejected } from './support/given.js';
import { captured, capturing, command, events, recorded, stream } from './support/lifecycle.js';

// The specification of an enrollment (decider.*.unit.test.ts; the reading order is in docs/events.md): given
// the events already in its stream, when the pipeline observes something (a command), then these events are
// recorded, or the command is refused; and then this work comes next. This file: the two live modes, from the
// request to the completed enrollment.

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
    given(events(captured()))
      .when(command.accountConfirmed(id))
      .then([recorded.accountCreated(id)])
      .andNext({ step: 'credential', nextSequence: 5 });
  });

  it('an account that already existed as our own earlier effect counts as created', () => {
    given(events(captured()))
      .when(command.accountConfirmed(id, true))
      .then([recorded.accountCreated(id, true)])
      .andNext({ step: 'credential' });
  });

  it('binding the selfie attaches the credential and completes the enrollment; nothing comes next', () => {
    const s = captured();
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
    given(events(captured('recapture')))
      .when(command.accountConfirmed(id))
      .then(rejected());
  });

  it('binding the new selfie completes it', () => {
    given(events(captured('recapture')))
      .when(command.credentialAttached(id))
      .then(recorded.credentialAttachedAndCompleted(id))
      .andNext(null);
  });
});

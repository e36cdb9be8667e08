import { describe, expect, it } from 'vitest';
import { given, POLL_DEADLINE_MESSAGE, rejected } from './support/given.js';
import { capturing, command, events, OPERATION, recorded } from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: a capture that ends without
// a selfie (rejection, expiry, error, cancel, or our own poll deadline) ends the enrollment for good.

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

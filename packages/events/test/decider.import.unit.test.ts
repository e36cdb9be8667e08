import { describe, it } from 'vitest';
import { given, rejected } from './support/given.js';
import { command, events, recorded, stream } from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: the import mode, where the
// selfie was captured elsewhere and arrives with the request.

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

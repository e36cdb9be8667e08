import { describe, it } from 'vitest';
import { EVENT_TYPES } from '../src/index.js';
import type { Stream } from './support/builders.js';
import { given, rejected } from './support/given.js';
import { captured, capturing, command, events, recorded, stream } from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: a step that gives up fails
// the enrollment, and only an ops retry brings it back, to the step that failed.

describe('failure and retry after failure', () => {
  it.each<[string, () => Stream, 'begin' | 'poll' | 'account' | 'credential']>([
    ['begin', () => stream(), 'begin'],
    ['poll', () => capturing(), 'poll'],
    ['account', () => captured(), 'account'],
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
    const s = captured();
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
    const s = captured();
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

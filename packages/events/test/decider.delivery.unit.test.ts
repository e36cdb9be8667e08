import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, parseEvent, UpcasterRegistry, type EnrollmentEvent } from '../src/index.js';
import { Stream } from './support/builders.js';
import { given, rejected } from './support/given.js';
import {
  captured,
  capturing,
  command,
  events,
  EXPIRES,
  OPERATION,
  recorded,
  stream,
} from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: how events arrive does not
// change what they mean: redelivered, reordered, or written by an older version of the catalogue.

describe('duplicate delivery', () => {
  it('a redelivered request of an enrollment that exists is refused: nothing begins twice', () => {
    const s = capturing();
    given(events(s)).when(command.request(s.id, 'capture')).then(rejected());
  });

  it('a redelivered or reordered event is folded once: the same state and the same next work', () => {
    const s = captured();
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

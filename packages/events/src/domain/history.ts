import type { EnrollmentEvent } from '../envelope.js';
import { MixedSubjectsError, SequenceConflictError } from '../errors.js';
import { evolve } from './evolve.js';
import { NO_ENROLLMENT, type Versioned } from './state.js';

/**
 * The domain state of a whole stream: sorted by sequence, each event id folded once (a redelivered or
 * re-emitted event is the same fact), a different event at a used position a SequenceConflictError.
 */
export function foldEnrollment(events: Iterable<EnrollmentEvent>): Versioned {
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  const seen = new Set<string>();
  let current: Versioned = { state: NO_ENROLLMENT, version: 0, lastEventId: null, updatedAt: null };
  for (const event of sorted) {
    if (seen.has(event.id)) continue;
    const { state } = current;
    if (state.status !== 'none') {
      if (event.subject !== state.id) throw new MixedSubjectsError(state.id, event.subject);
      if (event.sequence <= current.version)
        throw new SequenceConflictError(state.id, event.sequence, current.version, event.id);
    }
    seen.add(event.id);
    current = {
      state: evolve(state, event),
      version: event.sequence,
      lastEventId: event.id,
      updatedAt: event.time,
    };
  }
  return current;
}

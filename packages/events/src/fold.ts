import { InvalidTransitionError, MixedSubjectsError, SequenceConflictError } from './errors.js';
import type { EnrollmentEvent } from './envelope.js';
import { evolve } from './domain/evolve.js';
import { fromRecord, toRecord } from './domain/record.js';
import { NO_ENROLLMENT } from './domain/state.js';
import type { EnrollmentState } from './state.js';

/** Whether `evolveRecord` would ignore the event as already applied (same id), without validating the transition. */
export function isDuplicate(state: EnrollmentState | null, event: { id: string }): boolean {
  return state !== null && state.appliedEventIds.includes(event.id);
}

/**
 * Applies one event to an enrollment's read-model record: the stream checks here, the transition by the domain
 * core's `evolve` (domain/evolve.ts). Pure: returns the same object for a duplicate (an id already
 * applied, whatever its sequence, since a re-executed step re-emits the same id), a new object otherwise.
 * Throws SequenceConflictError for an unknown id at or below the current version, InvalidTransitionError
 * for a move the state machine does not allow.
 */
export function evolveRecord(state: EnrollmentState | null, event: EnrollmentEvent): EnrollmentState {
  if (state) {
    if (event.subject !== state.id) throw new MixedSubjectsError(state.id, event.subject);
    if (isDuplicate(state, event)) return state;
    if (event.sequence <= state.version)
      throw new SequenceConflictError(state.id, event.sequence, state.version, event.id);
  }
  const after = evolve(state ? fromRecord(state) : NO_ENROLLMENT, event);
  return toRecord(after, {
    version: event.sequence,
    updatedAt: event.time,
    lastEventId: event.id,
    appliedEventIds: state ? [...state.appliedEventIds, event.id] : [event.id],
  });
}

/**
 * Folds an enrollment's events into its state: sorts by sequence (stable, so the first copy of a duplicate
 * wins), then applies each. Starts from `initial` when given (incremental projection).
 */
export function fold(
  events: Iterable<EnrollmentEvent>,
  initial: EnrollmentState | null = null,
): EnrollmentState {
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  let state = initial;
  for (const event of sorted) state = evolveRecord(state, event);
  if (!state)
    throw new InvalidTransitionError('(none)', null, '(no events)', 'fold needs at least one event');
  return state;
}

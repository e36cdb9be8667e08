// What an ops retry or replay publishes, as the domain core decides it: never a step that already succeeded.
import {
  createEvent,
  decide,
  EVENT_TYPES,
  fold,
  foldEnrollment,
  fromRecord,
  nextWork,
  type EnrollmentEvent,
  type EnrollmentState,
  type EventEnvelope,
} from '@verified-onboard/events';
import { EVENT_SOURCE } from '../enrollments/requested-event.js';

/**
 * The `retried` event the domain core decides for an ops retry (worker: PipelineConsumer.retry), or null when
 * the core refuses it (the enrollment is not failed: a retry never repeats a step that succeeded).
 */
export function retriedEvent(
  state: EnrollmentState | null,
  reason: string,
  requestedBy: string,
): EnrollmentEvent | null {
  if (state === null) return null;
  const decision = decide(fromRecord(state), { type: 'RetryRequested', reason, requestedBy });
  const retried = 'events' in decision ? decision.events[0] : undefined;
  if (retried?.type !== EVENT_TYPES.retried) return null;
  const sequence = state.version + 1;
  return createEvent({
    ...retried,
    subject: state.id,
    sequence,
    source: EVENT_SOURCE,
    correlationId: state.correlationId,
    causationId: state.lastEventId,
    // One retry per position in the stream: two operators retrying at once publish the same event id.
    discriminator: sequence,
  });
}

/** What a replay publishes for the enrollments it read: retries of failed ones, redrives of stuck ones. */
export interface ReplayPlan {
  retries: EnrollmentEvent[];
  redrives: EventEnvelope[];
  /** Enrollments with nothing left to do. */
  terminal: number;
}

/**
 * Folds each stream and re-drives what is unfinished: a failed one is retried at its failed step, a stuck one
 * gets its next step again under the job id the log implies. Terminal ones are counted and skipped.
 */
export function planReplay(streams: Map<string, EnrollmentEvent[]>, requestedBy: string): ReplayPlan {
  const retries: EnrollmentEvent[] = [];
  const redrives: EventEnvelope[] = [];
  let terminal = 0;
  for (const [id, stream] of streams) {
    const state = fold(stream);
    if (state.status === 'failed') {
      const retried = retriedEvent(state, 'ops replay', requestedBy);
      if (retried) retries.push(retried);
      continue;
    }
    const work = nextWork(foldEnrollment(stream));
    if (work === null) {
      terminal++;
      continue;
    }
    redrives.push(
      createEvent({
        type: EVENT_TYPES.redriveRequested,
        subject: id,
        sequence: state.version,
        data: {
          enrollmentId: id,
          step: work.step,
          generation: work.generation,
          nextSequence: work.nextSequence,
          request: state.request,
          requestedBy: requestedBy,
          reason: 'ops replay',
        },
        source: EVENT_SOURCE,
        correlationId: state.correlationId,
        causationId: state.lastEventId,
        // A new id per replay request: re-driving twice must reach the worker twice (it is idempotent there).
        discriminator: `${state.version}:${Date.now()}`,
      }),
    );
  }
  return { retries, redrives, terminal };
}

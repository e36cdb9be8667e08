// What an ops retry or replay publishes, as the domain core decides it: never a step that already succeeded.
import {
  createEvent,
  EVENT_SOURCES,
  decide,
  EVENT_TYPES,
  fold,
  foldEnrollment,
  fromRecord,
  InvalidTransitionError,
  nextWork,
  type EnrollmentEvent,
  type EnrollmentState,
  type EventEnvelope,
  type Rejection,
} from '@verified-onboard/events';

/**
 * The `retried` event the domain core decides for an ops retry (worker: PipelineConsumer.retry), or the core's
 * rejection (a retry never repeats a step that succeeded: `not_failed`; nor touches a finished one: `settled`).
 */
export function decideRetry(
  state: EnrollmentState,
  reason: string,
  requestedBy: string,
): { event: EnrollmentEvent } | { rejection: Rejection } {
  const decision = decide(fromRecord(state), { type: 'RetryRequested', reason, requestedBy });
  if ('rejection' in decision) return decision;
  const retried = decision.events[0];
  if (retried?.type !== EVENT_TYPES.retried)
    throw new InvalidTransitionError(state.id, state.status, EVENT_TYPES.retried, 'a retry records retried');
  const sequence = state.version + 1;
  const event = createEvent({
    ...retried,
    subject: state.id,
    sequence,
    source: EVENT_SOURCES.api,
    correlationId: state.correlationId,
    causationId: state.lastEventId,
    // One retry per position in the stream: two operators retrying at once publish the same event id.
    discriminator: sequence,
  });
  return { event };
}

/** The `retried` event of an ops retry, or null when the core refuses it (see decideRetry). */
export function retriedEvent(
  state: EnrollmentState | null,
  reason: string,
  requestedBy: string,
): EnrollmentEvent | null {
  if (state === null) return null;
  const retry = decideRetry(state, reason, requestedBy);
  return 'event' in retry ? retry.event : null;
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
    // The core tells a failed enrollment (retried) from one in progress (not_failed: re-driven) or finished.
    const retry = decideRetry(state, 'ops replay', requestedBy);
    if ('event' in retry) {
      retries.push(retry.event);
      continue;
    }
    const work = retry.rejection.code === 'not_failed' ? nextWork(foldEnrollment(stream)) : null;
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
        source: EVENT_SOURCES.api,
        correlationId: state.correlationId,
        causationId: state.lastEventId,
        // A new id per replay request: re-driving twice must reach the worker twice (it is idempotent there).
        discriminator: `${state.version}:${Date.now()}`,
      }),
    );
  }
  return { retries, redrives, terminal };
}

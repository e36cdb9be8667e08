import {
  createEvent,
  EVENT_TYPES,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type EventData,
  type EventEnvelope,
} from '@verified-onboard/events';
import { type ReadModel } from '@verified-onboard/adapters';

/** The event after `previous` in its enrollment's stream, as the worker would publish it. */
export function nextEvent<T extends EnrollmentEventType>(
  previous: EventEnvelope,
  type: T,
  data: EventData<T>,
): EventEnvelope<T> {
  return createEvent({
    type,
    subject: previous.subject,
    sequence: previous.sequence + 1,
    source: 'test/projector',
    correlationId: previous.correlationid,
    causationId: previous.id,
    data,
  });
}

/**
 * Projects `requested` and the capture_started after it (inline, an hour to go) into the read model, as the
 * projector would once the worker began the capture; returns the capture_started event.
 */
export async function projectCaptureStarted(
  readModel: ReadModel,
  requested: EventEnvelope<typeof EVENT_TYPES.requested>,
  operationId: string,
): Promise<EventEnvelope<typeof EVENT_TYPES.captureStarted>> {
  const started = nextEvent(requested, EVENT_TYPES.captureStarted, {
    operationId,
    transport: 'inline',
    operationExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
  });
  await readModel.applyEvent(requested);
  await readModel.applyEvent(started);
  return started;
}

/** Projects the capture's end with the upstream status (2 rejected, 3 expired, ...). */
export async function projectCaptureCompleted(
  readModel: ReadModel,
  started: EventEnvelope<typeof EVENT_TYPES.captureStarted>,
  upstreamStatus: EventData<typeof EVENT_TYPES.captureCompleted>['upstreamStatus'],
  message: string | null,
): Promise<void> {
  const completed: EnrollmentEvent = nextEvent(started, EVENT_TYPES.captureCompleted, {
    operationId: started.data.operationId,
    upstreamStatus,
    message,
  });
  await readModel.applyEvent(completed);
}

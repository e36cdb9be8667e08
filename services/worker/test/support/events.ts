// Events the worker tests publish as the api would: an ops retry and the two hints.
import { randomUUID } from 'node:crypto';
import { createEvent, EVENT_TYPES, type EventEnvelope } from '@verified-onboard/events';

export const TEST_SOURCE = '/verified-onboard/worker-tests';

/** An ops retry of `requested`'s enrollment at `step`, right after its failed state, as the api would publish it. */
export function opsRetry(
  requested: EventEnvelope,
  failed: { version: number; lastEventId: string },
  step: 'account',
  reason: string,
): EventEnvelope {
  return createEvent({
    type: EVENT_TYPES.retried,
    subject: requested.subject,
    sequence: failed.version + 1,
    data: { step, reason, requestedBy: 'test' },
    source: TEST_SOURCE,
    correlationId: requested.correlationid,
    causationId: failed.lastEventId,
    discriminator: failed.version + 1,
  });
}

/** A hint event as the api would publish it. */
export function webhookHint(operationId: string): EventEnvelope {
  return createEvent({
    type: EVENT_TYPES.webhookReceived,
    subject: operationId,
    sequence: 0,
    data: { operationId, upstreamStatus: 1, receivedAt: new Date().toISOString() },
    source: TEST_SOURCE,
    correlationId: randomUUID(),
    discriminator: randomUUID(),
  });
}

export function captureFinishedHint(enrollmentId: string): EventEnvelope {
  return createEvent({
    type: EVENT_TYPES.captureFinished,
    subject: enrollmentId,
    sequence: 0,
    data: { enrollmentId, pageName: 'verifiedPage', success: true, receivedAt: new Date().toISOString() },
    source: TEST_SOURCE,
    correlationId: randomUUID(),
    discriminator: randomUUID(),
  });
}

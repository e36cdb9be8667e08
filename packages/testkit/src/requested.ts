import { createEvent, EVENT_TYPES, type EventEnvelope, type RequestedData } from '@verified-onboard/events';

// The one request fixture of the api and worker suites: both need "an enrollment as the api recorded it", and
// two copies drifted apart (account numbers, correlation ids) without either suite depending on the difference.

/**
 * An inline capture request for `enrollmentId`, interactive, an hour to capture, requested now; `overrides`
 * replaces any field (the mode, the account, the tenant...).
 */
export function requestedData(enrollmentId: string, overrides: Partial<RequestedData> = {}): RequestedData {
  return {
    enrollmentId,
    accountNumber: `acct-${enrollmentId}`,
    accountNumberGenerated: false,
    displayName: 'Test Person',
    transport: 'inline',
    checkLiveness: true,
    timeoutSec: 3600,
    mode: 'capture',
    priority: 'interactive',
    requestedAt: new Date().toISOString(),
    ...overrides,
  };
}

export interface RequestedEnvelope {
  /** The event's source (default: the testkit's). */
  source?: string;
  /** Default: the enrollment id, so a test can name an enrollment's correlation without keeping it. */
  correlationId?: string;
}

/** The first event of `enrollmentId`'s stream (sequence 1), as the api would publish it. */
export function requestedEvent(
  enrollmentId: string,
  overrides: Partial<RequestedData> = {},
  envelope: RequestedEnvelope = {},
): EventEnvelope<typeof EVENT_TYPES.requested> {
  return createEvent({
    type: EVENT_TYPES.requested,
    subject: enrollmentId,
    sequence: 1,
    source: envelope.source ?? '/verified-onboard/testkit',
    correlationId: envelope.correlationId ?? enrollmentId,
    data: requestedData(enrollmentId, overrides),
  });
}

import { createEvent, EVENT_SOURCES, type EventEnvelope } from '@verified-onboard/events';
import { generatedAccountNumber } from '../ids.js';
import type { EnrollmentRequest } from './schemas.js';

/** Stores an import's image out of band (encrypted, with a TTL) and returns what the event may carry. */
export interface SelfieStore {
  store(imageBase64: string): Promise<{ ref: string; digest: string }>;
}

export interface RequestedEventInput {
  enrollmentId: string;
  request: EnrollmentRequest;
  selfie?: { ref: string; digest: string; dataType: number } | undefined;
  priority: 'interactive' | 'batch';
  batchId?: string;
  line?: number;
  correlationId: string;
  requestedAt: Date;
  /** Tenant of the submitting key: it owns the enrollment. */
  tenant: string;
  /** Id of the submitting key. */
  requestedBy: string;
}

/**
 * `enrollment.requested.v1`, sequence 1 of the enrollment's stream. Its id is a function of the enrollment id
 * alone, so a resubmitted batch line or a retried idempotent request republishes the same event id.
 */
export function requestedEvent(input: RequestedEventInput): EventEnvelope {
  const { request } = input;
  return createEvent({
    type: 'enrollment.requested.v1',
    subject: input.enrollmentId,
    sequence: 1,
    source: EVENT_SOURCES.api,
    correlationId: input.correlationId,
    causationId: null,
    time: input.requestedAt,
    data: {
      enrollmentId: input.enrollmentId,
      accountNumber: request.accountNumber ?? generatedAccountNumber(input.enrollmentId),
      accountNumberGenerated: request.accountNumber === undefined,
      displayName: request.displayName,
      ...(request.customDisplayName !== undefined ? { customDisplayName: request.customDisplayName } : {}),
      ...(request.description !== undefined ? { description: request.description } : {}),
      ...(request.email !== undefined ? { email: request.email } : {}),
      ...(request.phoneNumber !== undefined ? { phoneNumber: request.phoneNumber } : {}),
      transport: request.transport,
      checkLiveness: request.checkLiveness,
      timeoutSec: request.timeoutSec,
      ...(request.introductionText !== undefined ? { introductionText: request.introductionText } : {}),
      mode: request.mode,
      ...(input.selfie ? { selfie: input.selfie } : {}),
      ...(request.externalRef !== undefined ? { externalRef: request.externalRef } : {}),
      ...(input.batchId !== undefined ? { batchId: input.batchId } : {}),
      ...(input.line !== undefined ? { line: input.line } : {}),
      priority: input.priority,
      requestedAt: input.requestedAt.toISOString(),
      tenant: input.tenant,
      requestedBy: input.requestedBy,
    },
  });
}

/** Moves the image into the SelfieStore; the returned reference is all that travels on Kafka. */
export async function storeSelfie(store: SelfieStore, request: EnrollmentRequest) {
  if (!request.selfie) return undefined;
  const { ref, digest } = await store.store(request.selfie.data);
  return { ref, digest, dataType: request.selfie.dataType };
}

import type { EnrollmentEventType, EventData, RequestedData } from '../event-types.js';
import type { Step } from '../schemas/common.js';
import type { RejectionCode } from './rejections.js';

/** An event the core decided on; the shell gives it its envelope (id, sequence, causation, time). */
export type PendingEvent = {
  [K in EnrollmentEventType]: { type: K; data: EventData<K> };
}[EnrollmentEventType];

/** What the shells observed or were asked; `decide` turns each into events or a rejection. */
export type Command =
  | { type: 'Request'; request: RequestedData }
  | {
      type: 'CaptureStarted';
      operationId: string;
      operationExpiresAt: string;
      transport: RequestedData['transport'];
      captureUrl?: string;
    }
  | {
      type: 'CaptureObserved';
      operationId: string;
      upstreamStatus: 1 | 2 | 3 | 4 | 5;
      message: string | null;
      tempIdExpiresAt?: string;
    }
  | { type: 'PollDeadlinePassed'; operationId: string }
  | { type: 'AccountConfirmed'; accountNumber: string; alreadyExisted: boolean }
  | {
      type: 'CredentialAttached';
      accountNumber: string;
      kind: 'proofed' | 'biometric';
      replacedPrevious: boolean;
    }
  | { type: 'StepFailed'; step: Step; code: string; message: string; retryable: boolean; attempts: number }
  | { type: 'RetryRequested'; reason: string; requestedBy?: string }
  /** A webhook or capture-finished hint: a prompt to look again, never a fact. */
  | { type: 'HintReceived' };

/** What a step observed upstream (or that it failed): the commands of the worker's steps. */
export type StepObservation = Extract<
  Command,
  {
    type:
      | 'CaptureStarted'
      | 'CaptureObserved'
      | 'PollDeadlinePassed'
      | 'AccountConfirmed'
      | 'CredentialAttached'
      | 'StepFailed';
  }
>;

export interface Rejection {
  code: RejectionCode;
  detail: string;
}
export type Decision = { events: PendingEvent[] } | { rejection: Rejection };

/** Message of the `expired` outcome we decide ourselves when the upstream never reports a final status. */
export const POLL_DEADLINE_MESSAGE =
  'no final status from the upstream before the operation timeout (polling stopped)';

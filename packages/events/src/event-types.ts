import type { z } from 'zod';
import {
  accountCreatedDataSchema,
  captureCompletedDataSchema,
  captureStartedDataSchema,
  completedDataSchema,
  credentialAttachedDataSchema,
  failedDataSchema,
  requestedDataSchema,
  retriedDataSchema,
} from './schemas/enrollment.js';
import {
  captureFinishedDataSchema,
  redriveRequestedDataSchema,
  webhookReceivedDataSchema,
} from './schemas/hints.js';
import { opsActionRecordedDataSchema } from './schemas/ops.js';

/**
 * The `source` of the events each service writes. Nothing decides on it (it is for people and tracing); the
 * read model's compression dictionary (adapters stored-record.ts) holds both, so they are spelled once here.
 * Events the api wrote before this constant read `verified-onboard/api` (no leading slash).
 */
export const EVENT_SOURCES = {
  api: '/verified-onboard/api',
  worker: '/verified-onboard/worker',
} as const;

/** Every event type this version of the catalogue produces and folds; the version is part of the name. */
export const EVENT_TYPES = {
  requested: 'enrollment.requested.v1',
  captureStarted: 'enrollment.capture_started.v1',
  captureCompleted: 'enrollment.capture_completed.v1',
  accountCreated: 'enrollment.account_created.v1',
  credentialAttached: 'enrollment.credential_attached.v1',
  completed: 'enrollment.completed.v1',
  failed: 'enrollment.failed.v1',
  retried: 'enrollment.retried.v1',
  webhookReceived: 'verified.webhook_received.v1',
  captureFinished: 'enrollment.capture_finished.v1',
  redriveRequested: 'enrollment.redrive_requested.v1',
  opsActionRecorded: 'ops.action_recorded.v1',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export const eventDataSchemas = {
  [EVENT_TYPES.requested]: requestedDataSchema,
  [EVENT_TYPES.captureStarted]: captureStartedDataSchema,
  [EVENT_TYPES.captureCompleted]: captureCompletedDataSchema,
  [EVENT_TYPES.accountCreated]: accountCreatedDataSchema,
  [EVENT_TYPES.credentialAttached]: credentialAttachedDataSchema,
  [EVENT_TYPES.completed]: completedDataSchema,
  [EVENT_TYPES.failed]: failedDataSchema,
  [EVENT_TYPES.retried]: retriedDataSchema,
  [EVENT_TYPES.webhookReceived]: webhookReceivedDataSchema,
  [EVENT_TYPES.captureFinished]: captureFinishedDataSchema,
  [EVENT_TYPES.redriveRequested]: redriveRequestedDataSchema,
  [EVENT_TYPES.opsActionRecorded]: opsActionRecordedDataSchema,
} as const satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType = EventType> = z.infer<(typeof eventDataSchemas)[T]>;

/** Types on the enrollment events topic (subject = enrollment id, ordered by `sequence`). */
export const ENROLLMENT_EVENT_TYPES = [
  EVENT_TYPES.requested,
  EVENT_TYPES.captureStarted,
  EVENT_TYPES.captureCompleted,
  EVENT_TYPES.accountCreated,
  EVENT_TYPES.credentialAttached,
  EVENT_TYPES.completed,
  EVENT_TYPES.failed,
  EVENT_TYPES.retried,
] as const;
export type EnrollmentEventType = (typeof ENROLLMENT_EVENT_TYPES)[number];

/** Types on the hints topic: prompts to look again, never facts. */
export const HINT_EVENT_TYPES = [
  EVENT_TYPES.webhookReceived,
  EVENT_TYPES.captureFinished,
  EVENT_TYPES.redriveRequested,
] as const;
export type HintEventType = (typeof HINT_EVENT_TYPES)[number];

/** Types on the ops audit topic: what operators did, keyed by the record id. */
export const OPS_EVENT_TYPES = [EVENT_TYPES.opsActionRecorded] as const;
export type OpsEventType = (typeof OPS_EVENT_TYPES)[number];

const known = new Set<string>(Object.values(EVENT_TYPES));
export function isEventType(type: string): type is EventType {
  return known.has(type);
}
const enrollmentTypes = new Set<string>(ENROLLMENT_EVENT_TYPES);
export function isEnrollmentEventType(type: string): type is EnrollmentEventType {
  return enrollmentTypes.has(type);
}

export type RequestedData = EventData<typeof EVENT_TYPES.requested>;
export type CaptureStartedData = EventData<typeof EVENT_TYPES.captureStarted>;
export type CaptureCompletedData = EventData<typeof EVENT_TYPES.captureCompleted>;
export type AccountCreatedData = EventData<typeof EVENT_TYPES.accountCreated>;
export type CredentialAttachedData = EventData<typeof EVENT_TYPES.credentialAttached>;
export type FailedData = EventData<typeof EVENT_TYPES.failed>;
export type RetriedData = EventData<typeof EVENT_TYPES.retried>;
export type WebhookReceivedData = EventData<typeof EVENT_TYPES.webhookReceived>;
export type CaptureFinishedData = EventData<typeof EVENT_TYPES.captureFinished>;
export type RedriveRequestedData = EventData<typeof EVENT_TYPES.redriveRequested>;

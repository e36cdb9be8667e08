import { z } from 'zod';
import { EventValidationError } from './errors.js';
import { eventId } from './event-id.js';
import {
  eventDataSchemas,
  type EnrollmentEventType,
  type EventData,
  type EventType,
  type HintEventType,
} from './event-types.js';
import { assertNoSecrets, captureUrlEnabledByEnvironment } from './secrets.js';
import { timestamp } from './schemas/common.js';

/**
 * A CloudEvents 1.0 event of this catalogue. Distributive over `T`, so `switch (event.type)` narrows `data`.
 * `sequence` is the event's position in its enrollment's stream (1 for `requested`); hint events use 0.
 */
export type EventEnvelope<T extends EventType = EventType> = T extends EventType
  ? {
      specversion: '1.0';
      id: string;
      source: string;
      type: T;
      subject: string;
      time: string;
      sequence: number;
      correlationid: string;
      causationid: string | null;
      datacontenttype: 'application/json';
      data: EventData<T>;
    }
  : never;

export type EnrollmentEvent = EventEnvelope<EnrollmentEventType>;
export type HintEvent = EventEnvelope<HintEventType>;

/** Envelope attributes common to every type; `data` is checked per type. */
export const baseEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z
    .string()
    .min(1)
    .max(128)
    .describe('Deterministic per (subject, type, discriminator); consumers dedupe on it.'),
  source: z
    .string()
    .min(1)
    .max(256)
    .describe('URI-reference of the producing component, e.g. /verified-onboard/worker.'),
  type: z.string().min(1).max(128),
  subject: z
    .string()
    .min(1)
    .max(128)
    .describe('Enrollment id (operationId for verified.webhook_received); equals the Kafka key.'),
  time: timestamp,
  sequence: z
    .number()
    .int()
    .nonnegative()
    .describe("Position in the enrollment's stream, from 1; 0 for hints."),
  correlationid: z.string().min(1).max(128).describe('Id of the request that started the flow.'),
  causationid: z
    .string()
    .min(1)
    .max(128)
    .nullable()
    .describe('Id of the event (or request) that caused this one.'),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});
export type RawEnvelope = z.infer<typeof baseEnvelopeSchema>;

/** The full schema of one event type (envelope and data), used for validation and for JSON Schema export. */
export function eventEnvelopeSchema<T extends EventType>(type: T) {
  return baseEnvelopeSchema.extend({ type: z.literal(type), data: eventDataSchemas[type] });
}

export interface CreateEventInput<T extends EventType> {
  type: T;
  subject: string;
  sequence: number;
  data: EventData<T>;
  source: string;
  correlationId: string;
  causationId?: string | null;
  /** Distinguishes legitimately repeated events of one type (e.g. the retry generation); part of the id. */
  discriminator?: string | number;
  time?: Date;
  /**
   * Keep `captureUrl` in enrollment.capture_started data. It embeds a OneTimeSecret, so it is dropped
   * unless this is true or (when undefined) EVENTS_INCLUDE_CAPTURE_URL=true.
   */
  includeCaptureUrl?: boolean;
}

/** Builds a validated event with a deterministic id. Throws EventValidationError on invalid or secret-bearing data. */
export function createEvent<T extends EventType>(input: CreateEventInput<T>): EventEnvelope<T> {
  assertNoSecrets(input.data);
  const schema = eventDataSchemas[input.type];
  if (!schema) throw new EventValidationError('unknown_type', `unknown event type ${String(input.type)}`);
  const parsed = schema.safeParse(input.data);
  if (!parsed.success) {
    throw new EventValidationError('invalid_data', `${input.type}: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const data = { ...(parsed.data as Record<string, unknown>) };
  if ('captureUrl' in data && !(input.includeCaptureUrl ?? captureUrlEnabledByEnvironment()))
    delete data.captureUrl;
  const envelope = {
    specversion: '1.0',
    id: eventId(input.subject, input.type, input.discriminator),
    source: input.source,
    type: input.type,
    subject: input.subject,
    time: (input.time ?? new Date()).toISOString(),
    sequence: input.sequence,
    correlationid: input.correlationId,
    causationid: input.causationId ?? null,
    datacontenttype: 'application/json',
    data,
  };
  const checked = baseEnvelopeSchema.safeParse(envelope);
  if (!checked.success) {
    throw new EventValidationError('invalid_envelope', `${input.type}: ${z.prettifyError(checked.error)}`, {
      cause: checked.error,
    });
  }
  return envelope as EventEnvelope<T>;
}

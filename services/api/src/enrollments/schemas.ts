import { ENROLLMENT_STATUSES } from '@verified-onboard/events';
import { z } from 'zod';
import { displayText } from './display-text.js';

// The statuses are the aggregate's (packages/events): one list for the fold, the read model and this api.
export { ENROLLMENT_STATUSES };

export const accountNumberSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1..64 URL-safe characters [A-Za-z0-9._-]')
  .describe(
    'Verified AccountNumber. Generated (an opaque UUID) when absent; the platform recommends a GUID over user names.',
  );

export const enrollmentIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
  .describe('Enrollment id (UUID).');

const selfieSchema = z
  .strictObject({
    data: z
      .base64()
      .min(1)
      .describe('The image, base64. Stored encrypted with a TTL; never published to Kafka.'),
    dataType: z
      .number()
      .int()
      .nonnegative()
      .default(1)
      .describe('Verified biometric DataType (1 = face image).'),
  })
  .describe('Only for mode import (required there).');

/** Fields of one enrollment request, shared by POST /v1/enrollments and each line of a batch. */
const enrollmentRequestObject = z.strictObject({
  accountNumber: accountNumberSchema.optional(),
  displayName: displayText(z.string().trim().min(1).max(256)),
  customDisplayName: displayText(z.string().max(256)).optional(),
  description: displayText(z.string().max(1024), { multiLine: true }).optional(),
  email: z.email().max(320).optional().describe('Required for transport email.'),
  phoneNumber: z
    .string()
    .regex(/^\+?[0-9][0-9 ()-]{3,31}$/, 'must be a phone number, e.g. +15551234567')
    .optional()
    .describe('Required for transport sms.'),
  transport: z
    .enum(['inline', 'sms', 'email'])
    .default('inline')
    .describe('How the capture link reaches the person.'),
  checkLiveness: z.boolean().default(true),
  timeoutSec: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(3600)
    .describe('How long the capture link stays usable.'),
  introductionText: displayText(z.string().max(1024), { multiLine: true }).optional(),
  mode: z.enum(['capture', 'import', 'recapture']).default('capture'),
  selfie: selfieSchema.optional(),
  externalRef: displayText(z.string().max(256))
    .optional()
    .describe('Free reference of the caller, echoed in events.'),
});

export const ENROLLMENT_REQUEST_FIELDS = Object.keys(
  enrollmentRequestObject.shape,
) as (keyof typeof enrollmentRequestObject.shape)[];

export const enrollmentRequestSchema = enrollmentRequestObject
  .superRefine((request, ctx) => {
    if (request.transport === 'sms' && !request.phoneNumber) {
      ctx.addIssue({ code: 'custom', path: ['phoneNumber'], message: 'required for transport sms' });
    }
    if (request.transport === 'email' && !request.email) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'required for transport email' });
    }
    if (request.mode === 'import' && !request.selfie) {
      ctx.addIssue({ code: 'custom', path: ['selfie'], message: 'required for mode import' });
    }
    if (request.mode !== 'import' && request.selfie) {
      ctx.addIssue({ code: 'custom', path: ['selfie'], message: 'only allowed for mode import' });
    }
    if (request.mode === 'recapture' && !request.accountNumber) {
      ctx.addIssue({
        code: 'custom',
        path: ['accountNumber'],
        message: 'required for mode recapture (the account must exist)',
      });
    }
  })
  .describe('One person to enroll.');

export type EnrollmentRequest = z.output<typeof enrollmentRequestSchema>;

export const acceptedEnrollmentSchema = z
  .object({
    id: enrollmentIdSchema,
    status: z.enum(ENROLLMENT_STATUSES),
    links: z.object({
      self: z.string(),
      events: z.string(),
      captureFinished: z.string(),
    }),
  })
  .describe(
    '202: accepted (Kafka acknowledged enrollment.requested); 200: an existing enrollment answered instead.',
  );

export const failureSchema = z.object({
  step: z.string(),
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});

export const enrollmentViewSchema = z
  .object({
    id: enrollmentIdSchema,
    accountNumber: z.string(),
    mode: z.enum(['capture', 'import', 'recapture']),
    status: z.enum(ENROLLMENT_STATUSES),
    operationId: z.string().optional(),
    captureUrl: z
      .string()
      .optional()
      .describe('Only while capture_pending with transport inline; carries a one-time secret.'),
    failure: failureSchema.optional(),
    batchId: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z
      .number()
      .int()
      .nonnegative()
      .describe('Sequence of the last event applied (0 = accepted, not yet projected).'),
  })
  .describe('Current state of an enrollment (read model).');

export type EnrollmentView = z.output<typeof enrollmentViewSchema>;

export const links = (id: string) => ({
  self: `/v1/enrollments/${id}`,
  events: `/v1/enrollments/${id}/events`,
  captureFinished: `/v1/enrollments/${id}/capture-finished`,
});

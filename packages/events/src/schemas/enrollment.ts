import { z } from 'zod';
import {
  ids,
  modeSchema,
  prioritySchema,
  sha256Hex,
  stepSchema,
  terminalUpstreamStatus,
  timestamp,
  transportSchema,
} from './common.js';
import { tenantSchema } from '../tenant.js';

// Additive changes (a new optional field) are made in place; anything else is a new `.vN` type plus an
// upcaster (see upcasters.ts), so events already in the log keep folding.

export const requestedDataSchema = z
  .object({
    enrollmentId: ids.enrollment(),
    accountNumber: ids.account(),
    accountNumberGenerated: z.boolean().describe('True when the service generated the AccountNumber.'),
    displayName: z.string().min(1).max(256),
    customDisplayName: z.string().max(256).optional(),
    description: z.string().max(1024).optional(),
    email: z.string().max(320).optional(),
    phoneNumber: z.string().max(32).optional(),
    transport: transportSchema,
    checkLiveness: z.boolean(),
    timeoutSec: z.number().int().positive(),
    introductionText: z.string().max(1024).optional(),
    mode: modeSchema,
    selfie: z
      .object({
        ref: z
          .string()
          .min(1)
          .max(128)
          .describe('SelfieVault reference; the image itself never travels on Kafka.'),
        digest: sha256Hex.describe('sha256 (hex) of the image bytes.'),
        dataType: z.number().int().nonnegative().describe('Verified biometric DataType of the image.'),
      })
      .optional()
      .describe('Present for mode import.'),
    externalRef: z.string().max(256).optional(),
    batchId: z.string().min(1).max(128).optional(),
    line: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Line of the batch input this enrollment came from.'),
    priority: prioritySchema,
    requestedAt: timestamp,
    tenant: tenantSchema
      .optional()
      .describe(
        'Tenant that owns the enrollment; absent in events from before tenants, which belong to `default`.',
      ),
    requestedBy: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Id of the API key that submitted the enrollment (never its secret).'),
  })
  .refine((d) => d.mode !== 'import' || d.selfie !== undefined, {
    message: 'mode import requires selfie',
    path: ['selfie'],
  })
  .describe('A person was submitted for enrollment.');

export const captureStartedDataSchema = z
  .object({
    operationId: ids.operation(),
    transport: transportSchema,
    operationExpiresAt: timestamp,
    captureUrl: z
      .string()
      .url()
      .optional()
      .describe(
        'Carries a OneTimeSecret: only present when the producer enabled EVENTS_INCLUDE_CAPTURE_URL (off by default).',
      ),
  })
  .describe('The upstream capture operation was started.');

export const captureCompletedDataSchema = z
  .object({
    operationId: ids.operation(),
    upstreamStatus: terminalUpstreamStatus.describe(
      '1 accepted, 2 rejected, 3 expired, 4 error, 5 canceled.',
    ),
    message: z.string().max(2048).nullable(),
    tempIdExpiresAt: timestamp
      .optional()
      .describe('When the (never published) TempId stops being usable upstream.'),
  })
  .describe('The upstream capture operation reached a terminal status (confirmed with the status call).');

export const accountCreatedDataSchema = z
  .object({
    accountNumber: ids.account(),
    alreadyExisted: z
      .boolean()
      .describe(
        'The account already existed and was created by this enrollment earlier (idempotent re-run).',
      ),
  })
  .describe('The Verified account exists.');

export const credentialAttachedDataSchema = z
  .object({
    accountNumber: ids.account(),
    kind: z.enum(['proofed', 'biometric']),
    replacedPrevious: z.boolean(),
  })
  .describe('The selfie is bound to the account as its reference credential.');

export const completedDataSchema = z.object({}).describe('The enrollment finished successfully.');

export const failedDataSchema = z
  .object({
    step: stepSchema,
    code: z.string().min(1).max(64),
    message: z.string().max(2048),
    retryable: z.boolean().describe('Whether an ops retry may succeed without changing the input.'),
    attempts: z.number().int().nonnegative(),
  })
  .describe('Our retries for a step are exhausted, or the step failed permanently.');

export const retriedDataSchema = z
  .object({
    step: stepSchema,
    reason: z.string().max(1024),
    requestedBy: z.string().max(256).optional(),
  })
  .describe('Ops asked to retry a failed enrollment; it returns to the status before the failure.');

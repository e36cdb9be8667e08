import { z } from 'zod';
import { ids, stepSchema, timestamp, upstreamStatus } from './common.js';
import { requestedDataSchema } from './enrollment.js';

// Hints are never facts: consumers confirm status with the upstream before acting on them.

export const webhookReceivedDataSchema = z
  .object({
    operationId: z.string().max(128).optional(),
    transactionId: z.string().max(128).optional(),
    accountNumber: z.string().max(128).optional(),
    upstreamStatus: upstreamStatus.optional(),
    eventType: z.string().max(128).optional(),
    receivedAt: timestamp,
  })
  .describe('A (signature-verified) webhook arrived from Verified. Subject/key = operationId.');

export const captureFinishedDataSchema = z
  .object({
    enrollmentId: ids.enrollment(),
    pageName: z.string().max(128).optional(),
    success: z.boolean().optional(),
    receivedAt: timestamp,
  })
  .describe('The client reported that the person left the capture page. Subject/key = enrollment id.');

export const redriveRequestedDataSchema = z
  .object({
    enrollmentId: ids.enrollment(),
    step: stepSchema.describe('The step to run again: the one after the last event in the log.'),
    generation: z
      .number()
      .int()
      .nonnegative()
      .describe('Retry generation of that step (job id and event id discriminator).'),
    nextSequence: z.number().int().positive().describe('Sequence of the first event the step will emit.'),
    request: requestedDataSchema.describe('The enrollment as requested, read back from the log.'),
    requestedBy: z.string().max(256),
    reason: z.string().max(1024),
  })
  .describe(
    'Ops replay: re-drive an enrollment that the log shows unfinished, through the same idempotent step. Subject/key = enrollment id.',
  );

import { z } from 'zod';
import { ids, timestamp, upstreamStatus } from './common.js';

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

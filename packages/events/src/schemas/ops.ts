import { z } from 'zod';
import { tenantSchema } from '../tenant.js';
import { timestamp } from './common.js';

export const OPS_ACTIONS = ['retry', 'replay', 'rebuild', 'redrive', 'dashboard'] as const;

// Ids, filters and a route only: an audit record names what was acted on, never the people behind it.
const targetSchema = z
  .object({
    ids: z.array(z.string().min(1).max(128)).max(10_000).optional().describe('Enrollment or message ids.'),
    filter: z
      .record(z.string().max(64), z.union([z.string().max(256), z.boolean(), z.number()]))
      .optional()
      .describe('The selector the action was given (step, code, batchId, since, until, ...).'),
    dryRun: z.boolean().optional(),
    method: z.string().max(16).optional().describe('Queue dashboard: the HTTP method of the mutating call.'),
    path: z.string().max(512).optional().describe('Queue dashboard: the path of the mutating call.'),
  })
  .describe('What the action was asked to act on.');

export const opsActionRecordedDataSchema = z
  .object({
    action: z.enum(OPS_ACTIONS),
    keyId: z.string().min(1).max(128).describe('Id of the API key that asked (never its secret).'),
    tenant: tenantSchema.optional().describe("The key's tenant, when the action was limited to one."),
    target: targetSchema,
    at: timestamp,
  })
  .describe(
    'An operator action (retry, replay, rebuild, dead-letter redrive, a mutating queue-dashboard call), recorded and acknowledged before it runs. Subject/key = the record id.',
  );
export type OpsAction = (typeof OPS_ACTIONS)[number];
export type OpsActionRecordedData = z.infer<typeof opsActionRecordedDataSchema>;

import { stepSchema } from '@verified-onboard/events';
import { z } from 'zod';

export const failedFilterSchema = z.object({
  step: stepSchema.optional(),
  code: z.string().min(1).max(64).optional(),
  batchId: z.string().min(1).max(128).optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Failed at or after (ISO-8601).'),
  until: z.iso.datetime({ offset: true }).optional().describe('Failed before (ISO-8601).'),
  retryable: z.boolean().optional(),
});
export type FailedFilter = z.output<typeof failedFilterSchema>;

/** The filter with its absent fields left out, as the read model's exact optional properties take it. */
export function presentFields(filter: FailedFilter): {
  [K in keyof FailedFilter]: Exclude<FailedFilter[K], undefined>;
} {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
}

const enrollmentIdsSchema = z.array(z.string().min(1).max(128)).min(1).max(10_000);

export const retrySelectorSchema = z
  .strictObject({
    ids: enrollmentIdsSchema.optional().describe('Enrollment ids to retry.'),
    filter: failedFilterSchema.optional().describe('Retry every failed enrollment matching the filter.'),
    reason: z.string().min(1).max(1024).default('ops retry'),
  })
  .refine((selector) => (selector.ids === undefined) !== (selector.filter === undefined), {
    message: 'give exactly one of ids or filter',
    path: ['ids'],
  });
export type RetrySelector = z.output<typeof retrySelectorSchema> & { requestedBy: string };

export const replaySelectorSchema = z
  .strictObject({
    ids: enrollmentIdsSchema.optional().describe('Enrollments whose events are replayed.'),
    batchId: z.string().min(1).max(128).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    dryRun: z.boolean().default(true).describe('Report what would be replayed without publishing anything.'),
  })
  // Unbounded, a replay would fold every enrollment of the whole log.
  .refine((s) => s.ids !== undefined || s.batchId !== undefined || s.since !== undefined, {
    message: 'give ids, batchId or since (with until, a bounded window)',
    path: ['since'],
  })
  .describe('Replays events from the log to consumers (re-drives stuck enrollments).');
export type ReplaySelector = z.output<typeof replaySelectorSchema> & { requestedBy: string };

export const retryResultSchema = z.object({ retried: z.number().int().nonnegative() });
export const replayResultSchema = z.object({
  dryRun: z.boolean(),
  enrollments: z.number().int().nonnegative().describe('Enrollments selected from the log.'),
  events: z.number().int().nonnegative().describe('Their events read from the log.'),
  retried: z
    .number()
    .int()
    .nonnegative()
    .describe('Failed ones sent back to their failed step (enrollment.retried).'),
  redriven: z
    .number()
    .int()
    .nonnegative()
    .describe('Unfinished ones whose next step was requested again (enrollment.redrive_requested).'),
  terminal: z.number().int().nonnegative().describe('Finished ones, left alone.'),
});
export const rebuildResultSchema = z.object({
  started: z.boolean(),
  rebuildId: z.string().optional(),
  state: z.enum(['running', 'completed', 'failed']).optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().nullable().optional(),
  enrollments: z.number().int().nonnegative().optional(),
  events: z.number().int().nonnegative().optional(),
  error: z.string().nullable().optional(),
});

export const replayStatusSchema = replayResultSchema.extend({
  id: z.string(),
  state: z.enum(['running', 'completed', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  limit: z.number().int().positive().describe('OPS_REPLAY_LIMIT: most enrollments one replay selects.'),
  truncated: z
    .boolean()
    .describe('More enrollments matched than the limit; narrow the selector and replay again.'),
  error: z.string().nullable(),
});
export type ReplayStatus = z.output<typeof replayStatusSchema>;

export type RetryResult = z.output<typeof retryResultSchema>;
export type ReplayResult = z.output<typeof replayResultSchema>;
export type RebuildResult = z.output<typeof rebuildResultSchema>;

/**
 * Operations on the pipeline that need the worker's machinery (retry failed steps, replay the log, rebuild the
 * projection). The api authenticates, validates and delegates; the implementation is injected via buildApp deps.
 */
export interface OpsService {
  retryFailed(selector: RetrySelector): Promise<RetryResult>;
  /** Starts a replay in the background (one at a time: 409 replay_in_progress); follow it with replayStatus. */
  startReplay(selector: ReplaySelector): Promise<ReplayStatus>;
  replayStatus(id: string): Promise<ReplayStatus | null>;
  /** Waits for background work this instance started. */
  close?(): Promise<void>;
  rebuildProjection(requestedBy: string): Promise<RebuildResult>;
  /** The latest rebuild, running or finished; null when none ever ran. */
  rebuildStatus(): Promise<RebuildResult | null>;
}

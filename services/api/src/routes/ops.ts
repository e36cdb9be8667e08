import { stepSchema } from '@verified-onboard/events';
import { InvalidCursorError } from '@verified-onboard/adapters';
import type { FastifyPluginCallback } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyStore } from '../auth/api-keys.js';
import { principalOf, requireScope } from '../auth/authenticate.js';
import type { ReadModelSource } from '../enrollments/read-model-source.js';
import { NotFoundError, ValidationFailedError } from '../errors.js';
import { errorResponses } from '../http/error-schema.js';
import {
  failedFilterSchema,
  presentFields,
  rebuildResultSchema,
  replayStatusSchema,
  replaySelectorSchema,
  retryResultSchema,
  retrySelectorSchema,
  type OpsService,
} from '../ops/ops-service.js';
import {
  deadLetterPageSchema,
  deadLetterQuerySchema,
  redriveBodySchema,
  redriveResultSchema,
  type DeadLetterOps,
} from '../ops/dead-letter-ops.js';
import { auditFilter, type OpsAudit } from '../ops/ops-audit.js';
import { API_KEY_SECURITY } from './security.js';

export interface OpsRoutesOptions {
  keys: ApiKeyStore;
  readModel: ReadModelSource;
  opsService: OpsService;
  /** Every action is recorded (and acknowledged) here before it runs. */
  audit: OpsAudit;
  deadLetters: DeadLetterOps;
}

const failedQuerySchema = failedFilterSchema.extend({
  retryable: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(512).optional().describe('nextCursor of the previous page.'),
});

const failedEntrySchema = z.object({
  enrollmentId: z.string(),
  failedAt: z.string(),
  step: stepSchema,
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  attempts: z.number().int().nonnegative(),
  batchId: z.string().nullable(),
});

export const failedPageSchema = z.object({
  items: z.array(failedEntrySchema),
  nextCursor: z.string().nullable(),
});

const OPS_ERRORS = errorResponses(400, 401, 403, 409, 415, 429, 502, 503);

export const opsRoutes: FastifyPluginCallback<OpsRoutesOptions> = (app, options, done) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireScope(options.keys, 'ops'));

  r.get(
    '/v1/ops/failed',
    {
      schema: {
        tags: ['ops'],
        summary: 'Failed enrollments, filtered, newest first, paginated by cursor.',
        security: API_KEY_SECURITY,
        querystring: failedQuerySchema,
        response: {
          200: failedPageSchema,
          ...errorResponses(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const readModel = await options.readModel();
      try {
        return await readModel.listFailed({ ...presentFields(filter), limit, ...(cursor ? { cursor } : {}) });
      } catch (error) {
        if (error instanceof InvalidCursorError)
          throw new ValidationFailedError([{ field: 'cursor', reason: 'not a cursor this service issued' }]);
        throw error;
      }
    },
  );

  r.post(
    '/v1/ops/failed/retry',
    {
      schema: {
        tags: ['ops'],
        summary: 'Retry failed enrollments, by ids or by filter.',
        security: API_KEY_SECURITY,
        body: retrySelectorSchema,
        response: { 202: retryResultSchema, ...OPS_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { ids, filter } = request.body;
      await options.audit.record('retry', principal, {
        ...(ids && { ids }),
        ...(filter && { filter: auditFilter(filter) }),
      });
      const result = await options.opsService.retryFailed({
        ...request.body,
        requestedBy: principal.keyId,
      });
      return reply.code(202).send(result);
    },
  );

  r.post(
    '/v1/ops/replay',
    {
      schema: {
        tags: ['ops'],
        summary:
          'Replay enrollment events from the log (dry run by default), in the background: 202 with its id; follow it with GET /v1/ops/replays/{id}. Needs ids, batchId or since; one replay at a time (409 replay_in_progress).',
        security: API_KEY_SECURITY,
        body: replaySelectorSchema,
        response: { 202: replayStatusSchema, ...OPS_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { ids, dryRun, ...rest } = request.body;
      await options.audit.record('replay', principal, {
        ...(ids && { ids }),
        filter: auditFilter(rest),
        dryRun,
      });
      const status = await options.opsService.startReplay({ ...request.body, requestedBy: principal.keyId });
      return reply.code(202).send(status);
    },
  );

  r.get(
    '/v1/ops/replays/:id',
    {
      schema: {
        tags: ['ops'],
        summary: 'A replay: running (with progress so far), completed (with its counts) or failed.',
        security: API_KEY_SECURITY,
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: replayStatusSchema, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const status = await options.opsService.replayStatus(request.params.id);
      if (!status) throw new NotFoundError('Replay');
      return status;
    },
  );

  r.get(
    '/v1/ops/dead-letters',
    {
      schema: {
        tags: ['ops'],
        summary: 'Dead letters, oldest first, a page at a time: why and where from (never their content).',
        security: API_KEY_SECURITY,
        querystring: deadLetterQuerySchema,
        response: { 200: deadLetterPageSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => options.deadLetters.list(request.query.from, request.query.limit),
  );

  r.post(
    '/v1/ops/dead-letters/redrive',
    {
      schema: {
        tags: ['ops'],
        summary: 'Publish selected dead letters again to their source topic, as they were (audited).',
        security: API_KEY_SECURITY,
        body: redriveBodySchema,
        response: { 202: redriveResultSchema, ...OPS_ERRORS },
      },
    },
    async (request, reply) => {
      await options.audit.record('redrive', principalOf(request), { ids: request.body.offsets });
      return reply.code(202).send(await options.deadLetters.redrive(request.body.offsets));
    },
  );

  r.post(
    '/v1/ops/projections/rebuild',
    {
      schema: {
        tags: ['ops'],
        summary:
          'Rebuild the read model from the event log into a new keyspace and switch readers over when caught up (202; follow with GET).',
        security: API_KEY_SECURITY,
        response: { 202: rebuildResultSchema, ...OPS_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await options.audit.record('rebuild', principal, {});
      return reply.code(202).send(await options.opsService.rebuildProjection(principal.keyId));
    },
  );

  r.get(
    '/v1/ops/projections/rebuild',
    {
      schema: {
        tags: ['ops'],
        summary:
          'The latest projection rebuild: running, completed (readers switched) or failed (readers never left the old keyspace).',
        security: API_KEY_SECURITY,
        response: { 200: rebuildResultSchema, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async () => {
      const status = await options.opsService.rebuildStatus();
      if (!status) throw new NotFoundError('Projection rebuild');
      return status;
    },
  );
  done();
};

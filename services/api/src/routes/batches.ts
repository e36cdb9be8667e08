import { HEADERS } from '@verified-onboard/contracts';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { DEFAULT_TENANT } from '@verified-onboard/events';
import { canSee, type ApiKeyStore } from '../auth/api-keys.js';
import { resolveBatchIdentity } from '../batch/batch-identity.js';
import { principalOf, requireScope } from '../auth/authenticate.js';
import type { BatchSlot, BatchSlots } from '../batch/batch-slots.js';
import { readBatchRecord, type BatchFormat, type BatchIngestor } from '../batch/batch-ingestor.js';
import type { RedisKeys } from '../enrollments/keys.js';
import type { ReadModelSource } from '../enrollments/read-model-source.js';
import { ENROLLMENT_STATUSES, enrollmentRequestSchema } from '../enrollments/schemas.js';
import { ApiError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { checkHook } from '../http/check-hook.js';
import { errorResponses } from '../http/error-schema.js';
import { idempotencyKeySchema } from './enrollments.js';
import { API_KEY_SECURITY } from './security.js';

export interface BatchRoutesOptions {
  keys: ApiKeyStore;
  ingestor: BatchIngestor;
  readModel: ReadModelSource;
  redis: Redis;
  redisKeys: RedisKeys;
  maxBytes: number;
  /** At most this many batches of one API key stream at once. */
  slots: BatchSlots;
}

const FORMATS: Record<string, BatchFormat> = { 'application/x-ndjson': 'ndjson', 'text/csv': 'csv' };
const ACCEPTED_TYPES = Object.keys(FORMATS);

function formatOf(request: FastifyRequest): BatchFormat {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const format = type ? FORMATS[type] : undefined;
  if (!format) throw new UnsupportedMediaTypeError(request.headers['content-type'], ACCEPTED_TYPES);
  return format;
}

const rejectionSchema = z.object({
  line: z.number().int().positive().describe('1-based physical line (the CSV header is line 1).'),
  code: z.string(),
  field: z.string().nullable(),
  message: z.string(),
});

export const batchAcceptedSchema = z
  .object({
    batchId: z.string(),
    accepted: z.number().int().nonnegative().describe('Lines published (Kafka acknowledged).'),
    rejectedCount: z.number().int().nonnegative(),
    rejected: z.array(rejectionSchema).describe('The first 1000 rejected lines; rejectedCount counts all.'),
  })
  .describe('Valid lines are published even when others are rejected.');

export const batchStatusSchema = z.object({
  batchId: z.string(),
  total: z.number().int().nonnegative(),
  byStatus: z.record(z.enum(ENROLLMENT_STATUSES), z.number().int().nonnegative()),
  accepted: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Lines accepted at submission (the api record).'),
  rejected: z.number().int().nonnegative().optional().describe('Lines rejected at submission.'),
});

export const batchRoutes: FastifyPluginCallback<BatchRoutesOptions> = (app, options, done) => {
  // The body is handed over as the raw stream and parsed line by line: a 10^6-line batch is never buffered.
  app.addContentTypeParser(ACCEPTED_TYPES, (_request, payload, done) => done(null, payload));

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/enrollments/batch',
    {
      onRequest: [
        requireScope(options.keys, 'enrollments:write'),
        checkHook((request) => {
          formatOf(request); // 415 before the body is read
          const length = Number(request.headers['content-length']);
          if (Number.isFinite(length) && length > options.maxBytes) {
            throw new PayloadTooLargeError(
              `The batch body exceeds ${options.maxBytes} bytes.`,
              'batch_too_large',
            );
          }
        }),
      ],
      // The body schema documents one line; validation happens per line in the ingestor, not on the stream.
      validatorCompiler: (route) =>
        route.httpPart === 'body'
          ? (data: unknown) => ({ value: data })
          : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]),
      schema: {
        tags: ['batches'],
        summary: 'Submit many enrollments as one streamed body (NDJSON or CSV).',
        description:
          'application/x-ndjson: one enrollment request object per line. text/csv: a header row naming the fields, then one ' +
          'enrollment a line (no selfie column). Up to 10^6 lines. Each line obeys the claims a single request does (rejected ' +
          'per line: account_active, external_ref_exists, account_not_owned, recapture_forbidden). Resubmitting with the same ' +
          'Idempotency-Key, or with X-Batch-Id set to the id this batch was issued, resumes it: lines already published keep ' +
          'their enrollment ids and are not published again.',
        security: API_KEY_SECURITY,
        consumes: ACCEPTED_TYPES,
        headers: z.object({
          [HEADERS.idempotencyKey]: idempotencyKeySchema.optional(),
          [HEADERS.batchId]: z
            .string()
            .max(128)
            .optional()
            .describe(
              "The id of a batch this tenant was issued (the X-Batch-Id of an earlier answer, or the batchId detail of a 503): resumes that batch. Unknown or another tenant's: 404 batch_not_found.",
            ),
        }),
        body: enrollmentRequestSchema.describe('One line of the batch.'),
        response: {
          202: batchAcceptedSchema,
          ...errorResponses(400, 401, 403, 404, 413, 415, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body as unknown as Readable;
      let batchId: string | undefined;
      let slot: BatchSlot | undefined;
      try {
        slot = await options.slots.acquire(principal.keyId);
        const identity = await resolveBatchIdentity(options.redis, options.redisKeys, principal, {
          idempotencyKey: request.headers[HEADERS.idempotencyKey],
          batchId: request.headers[HEADERS.batchId],
        });
        batchId = identity.batchId;
        void reply.header(HEADERS.batchId, batchId);
        const result = await options.ingestor.ingest({
          batchId,
          format: formatOf(request),
          body,
          principal,
          resumed: identity.resumed,
        });
        return reply.code(202).send(result);
      } catch (error) {
        if (!body.readableEnded) {
          // The answer goes out before the rest of the body was read: close instead of draining gigabytes.
          void reply.header('connection', 'close');
          body.resume();
        }
        if (error instanceof ApiError && batchId !== undefined)
          error.details.push({ field: 'batchId', reason: batchId });
        throw error;
      } finally {
        await slot?.release().catch(() => undefined);
      }
    },
  );

  r.get(
    '/v1/batches/:id',
    {
      onRequest: requireScope(options.keys, 'enrollments:read'),
      schema: {
        tags: ['batches'],
        summary: "Progress of a batch: its enrollments' statuses.",
        description: 'Lines not yet projected by the worker count as requested.',
        security: API_KEY_SECURITY,
        params: z.object({ id: z.string().min(1).max(128) }),
        response: { 200: batchStatusSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const batchId = request.params.id;
      const principal = principalOf(request);
      const [record, projected] = await Promise.all([
        readBatchRecord(options.redis, options.redisKeys, batchId),
        options.readModel().then((model) => model.batch(batchId)),
      ]);
      if (!record && projected.total === 0) throw new NotFoundError(`Batch ${batchId}`);
      const tenant = record?.tenant ?? projected.tenant ?? DEFAULT_TENANT;
      // Another tenant's batch answers exactly as an unknown one.
      if (!canSee(principal, tenant)) throw new NotFoundError(`Batch ${batchId}`);
      const byStatus = { ...projected.byStatus };
      const unprojected = record ? record.accepted - projected.total : 0;
      if (unprojected > 0) byStatus.requested += unprojected;
      return {
        batchId,
        total: Math.max(projected.total, record?.accepted ?? 0),
        byStatus,
        ...(record ? { accepted: record.accepted, rejected: record.rejected } : {}),
      };
    },
  );
  done();
};

import { HEADERS } from '@verified-onboard/contracts';
import { createEvent, EVENT_SOURCES } from '@verified-onboard/events';
import type { FastifyPluginCallback } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyStore } from '../auth/api-keys.js';
import { principalOf, requireScope } from '../auth/authenticate.js';
import type { EnrollmentQueries } from '../enrollments/enrollment-queries.js';
import type { EnrollmentSubmitter } from '../enrollments/enrollment-submitter.js';
import {
  acceptedEnrollmentSchema,
  enrollmentIdSchema,
  enrollmentRequestSchema,
  enrollmentViewSchema,
  links,
} from '../enrollments/schemas.js';
import { NotFoundError } from '../errors.js';
import { errorResponses } from '../http/error-schema.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { API_KEY_SECURITY } from './security.js';

export interface EnrollmentRoutesOptions {
  keys: ApiKeyStore;
  submitter: EnrollmentSubmitter;
  reader: EnrollmentQueries;
  publisher: EventPublisher;
}

export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1..128 visible ASCII characters')
  .describe(
    'Repeating a request with the same key returns the first result instead of creating a second enrollment.',
  );

const idParams = z.object({ id: enrollmentIdSchema });

const eventSchema = z
  .looseObject({
    id: z.string(),
    type: z.string(),
    subject: z.string(),
    time: z.string(),
    sequence: z.number().int(),
    data: z.record(z.string(), z.unknown()),
  })
  .describe('A CloudEvents 1.0 envelope (see the AsyncAPI document of @verified-onboard/events).');
export const enrollmentEventsSchema = z.object({ events: z.array(eventSchema) });

export const enrollmentRoutes: FastifyPluginCallback<EnrollmentRoutesOptions> = (app, options, done) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const write = requireScope(options.keys, 'enrollments:write');
  const read = requireScope(options.keys, 'enrollments:read');

  r.post(
    '/v1/enrollments',
    {
      onRequest: write,
      schema: {
        tags: ['enrollments'],
        summary: 'Submit one person for enrollment.',
        description:
          'Answers 202 once Kafka acknowledged enrollment.requested, 503 (Retry-After) if it could not. An Idempotency-Key, or an ' +
          'accountNumber whose enrollment is still active, or an externalRef already used with the same body, answers 200 with ' +
          'the existing enrollment of your tenant instead of creating another. mode recapture (and import on an existing account) ' +
          'needs the scope enrollments:recapture (403 recapture_forbidden) and an account your tenant enrolled (409 account_not_owned).',
        security: API_KEY_SECURITY,
        headers: z.object({ [HEADERS.idempotencyKey]: idempotencyKeySchema.optional() }),
        body: enrollmentRequestSchema,
        response: {
          200: acceptedEnrollmentSchema,
          202: acceptedEnrollmentSchema,
          ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const result = await options.submitter.submit(
        principalOf(request),
        request.body,
        request.headers[HEADERS.idempotencyKey],
      );
      void reply.header('location', links(result.id).self);
      if (result.created)
        return reply.code(202).send({ id: result.id, status: 'requested', links: links(result.id) });
      return reply.code(200).send({ id: result.id, status: result.view.status, links: links(result.id) });
    },
  );

  r.get(
    '/v1/enrollments/:id',
    {
      onRequest: read,
      schema: {
        tags: ['enrollments'],
        summary: 'Current state of an enrollment.',
        security: API_KEY_SECURITY,
        params: idParams,
        response: { 200: enrollmentViewSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const view = await options.reader.viewFor(principalOf(request), request.params.id);
      if (!view) throw new NotFoundError(`Enrollment ${request.params.id}`);
      return view;
    },
  );

  r.get(
    '/v1/enrollments/:id/events',
    {
      onRequest: read,
      schema: {
        tags: ['enrollments'],
        summary: "The enrollment's events in sequence order.",
        security: API_KEY_SECURITY,
        params: idParams,
        response: {
          200: enrollmentEventsSchema,
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const events = await options.reader.eventsFor(principalOf(request), request.params.id);
      if (!events) throw new NotFoundError(`Enrollment ${request.params.id}`);
      return { events: events as unknown as z.output<typeof eventSchema>[] };
    },
  );

  r.post(
    '/v1/enrollments/:id/capture-finished',
    {
      onRequest: write,
      schema: {
        tags: ['enrollments'],
        summary: "Relay the capture page's final page event.",
        description:
          'Publishes the enrollment.capture_finished.v1 hint so the worker checks the capture status now instead of at its next poll. ' +
          'A hint, not a fact: the status is always confirmed upstream.',
        security: API_KEY_SECURITY,
        params: idParams,
        body: z
          .strictObject({ pageName: z.string().max(128).optional(), success: z.boolean().optional() })
          .nullable()
          // Fastify hands a missing body over as null; the relay may legitimately send nothing.
          .transform((body) => body ?? {})
          .describe('What the capture page reported in its last authid:page message.'),
        response: {
          202: z.object({ id: enrollmentIdSchema, hint: z.literal('published') }),
          ...errorResponses(400, 401, 403, 404, 415, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await options.reader.viewFor(principalOf(request), id)))
        throw new NotFoundError(`Enrollment ${id}`);
      const receivedAt = new Date();
      const event = createEvent({
        type: 'enrollment.capture_finished.v1',
        subject: id,
        sequence: 0,
        source: EVENT_SOURCES.api,
        correlationId: id,
        causationId: null,
        discriminator: receivedAt.getTime(),
        time: receivedAt,
        data: {
          enrollmentId: id,
          ...(request.body.pageName !== undefined ? { pageName: request.body.pageName } : {}),
          ...(request.body.success !== undefined ? { success: request.body.success } : {}),
          receivedAt: receivedAt.toISOString(),
        },
      });
      await options.publisher.publish('hints', [event]);
      return reply.code(202).send({ id, hint: 'published' as const });
    },
  );
  done();
};

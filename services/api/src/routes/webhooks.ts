import { HEADERS } from '@verified-onboard/contracts';
import { createEvent, EVENT_SOURCES } from '@verified-onboard/events';
import { webhookPayloadSchema } from '@verified-onboard/verified-client';
import { createHash } from 'node:crypto';
import type { FastifyPluginCallback } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { webhookAuthenticated, type WebhookAuthConfig } from '../auth/webhook-auth.js';
import { ConflictError, UnauthenticatedError, ValidationFailedError } from '../errors.js';
import { errorResponses } from '../http/error-schema.js';
import type { EventPublisher } from '../publishing/publisher.js';

export interface WebhookRoutesOptions {
  auth: WebhookAuthConfig;
  publisher: EventPublisher;
  bodyLimitBytes: number;
  /** Remembers recent deliveries so an exact replay is refused. */
  redis: Redis;
  keyPrefix: string;
}

/** How far a delivery's Timestamp may be from our clock, either way. */
export const WEBHOOK_WINDOW_MS = 5 * 60_000;
// A delivery stays acceptable for the whole window on both sides of its Timestamp, so its digest is kept as long.
const SEEN_TTL_MS = 2 * WEBHOOK_WINDOW_MS;

const webhookBodyDoc = z
  .looseObject({
    EventType: z.union([z.number(), z.string()]).optional(),
    OperationId: z.string().optional(),
    TransactionId: z.string().nullable().optional(),
    AccountNumber: z.string().nullable().optional(),
    Name: z.string().optional(),
    Status: z.number().int().optional(),
    Message: z.string().nullable().optional(),
    Timestamp: z.string().optional(),
  })
  .describe('Verified webhook body (parsed tolerantly: either casing, extra fields allowed).');

export const webhookRoutes: FastifyPluginCallback<WebhookRoutesOptions> = (app, options, done) => {
  // The signature is over the exact bytes sent, so this route (and only this plugin) keeps the raw body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/webhooks/verified',
    {
      validatorCompiler: () => (data: unknown) => ({ value: data }),
      schema: {
        tags: ['webhooks'],
        summary: 'Receives Verified webhooks (a hint that an operation reached a terminal status).',
        description:
          'Authenticated by X-Signature: base64(HMAC-SHA256(VERIFIED_WEBHOOK_SECRET, raw body)), or by Basic auth when ' +
          'WEBHOOK_BASIC_AUTH is set. A Timestamp more than 5 minutes from now answers 400 webhook_outside_window; ' +
          'the same signed delivery twice within 10 minutes answers 409 webhook_replayed. ' +
          'Publishes verified.webhook_received.v1 (key = operation id) and answers 204.',
        headers: z.object({
          [HEADERS.signature]: z.string().optional().describe('base64 HMAC-SHA256 of the raw body.'),
        }),
        body: webhookBodyDoc,
        response: { 204: z.null().describe('Received.'), ...errorResponses(400, 401, 413, 502, 503) },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers[HEADERS.signature];
      const authenticated = webhookAuthenticated(options.auth, raw, {
        signature: typeof signature === 'string' ? signature : undefined,
        authorization: request.headers.authorization,
      });
      if (!authenticated) {
        request.log.warn(
          { hasSignature: signature !== undefined },
          'webhook rejected: signature or credentials do not verify',
        );
        request.authFailure = { keyId: null };
        throw new UnauthenticatedError(
          'The webhook signature or credentials do not verify.',
          'invalid_webhook_signature',
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ValidationFailedError(
          [{ field: 'body', reason: 'not valid JSON' }],
          'The webhook body is not valid JSON.',
          'invalid_body',
        );
      }
      const parsed = webhookPayloadSchema.safeParse(json);
      if (!parsed.success) {
        throw new ValidationFailedError(
          parsed.error.issues.map((issue) => ({
            field: issue.path.join('.') || 'body',
            reason: issue.message,
          })),
          'The webhook body is not a Verified webhook payload.',
        );
      }
      const payload = parsed.data;
      if (!payload.operationId) {
        throw new ValidationFailedError(
          [{ field: 'OperationId', reason: 'required' }],
          'The webhook names no operation.',
        );
      }
      const receivedAt = new Date();
      if (payload.timestamp !== null) {
        const sentAt = Date.parse(payload.timestamp);
        if (Number.isNaN(sentAt))
          throw new ValidationFailedError(
            [{ field: 'Timestamp', reason: 'not a date-time' }],
            'The webhook Timestamp is not a date-time.',
          );
        if (Math.abs(receivedAt.getTime() - sentAt) > WEBHOOK_WINDOW_MS)
          throw new ValidationFailedError(
            [{ field: 'Timestamp', reason: 'more than 5 minutes from now' }],
            'The webhook was sent more than 5 minutes from now; a delivery is accepted only within that window.',
            'webhook_outside_window',
          );
      }
      // The signature covers the body only, so an exact copy verifies again: remember each delivery for as long
      // as its Timestamp keeps it acceptable, and refuse the second one.
      const seenKey = `${options.keyPrefix}:webhook-seen:${createHash('sha256')
        .update(typeof signature === 'string' ? signature : '')
        .update('\n')
        .update(raw)
        .digest('hex')}`;
      const first = await options.redis.set(seenKey, '1', 'PX', SEEN_TTL_MS, 'NX');
      if (first === null)
        throw new ConflictError('webhook_replayed', 'This exact delivery was already received.');
      const upstreamStatus =
        payload.status !== null && payload.status >= 0 && payload.status <= 5 ? payload.status : undefined;
      const event = createEvent({
        type: 'verified.webhook_received.v1',
        subject: payload.operationId,
        sequence: 0,
        source: EVENT_SOURCES.api,
        correlationId: payload.operationId,
        causationId: null,
        // A repeated delivery of the same status change is the same hint, so consumers drop it.
        discriminator: `${upstreamStatus ?? ''}:${payload.timestamp ?? ''}`,
        time: receivedAt,
        data: {
          operationId: payload.operationId,
          ...(payload.transactionId ? { transactionId: payload.transactionId } : {}),
          ...(payload.accountNumber ? { accountNumber: payload.accountNumber } : {}),
          ...(upstreamStatus !== undefined
            ? { upstreamStatus: upstreamStatus as 0 | 1 | 2 | 3 | 4 | 5 }
            : {}),
          ...(payload.eventType !== null ? { eventType: String(payload.eventType) } : {}),
          receivedAt: receivedAt.toISOString(),
        },
      });
      try {
        await options.publisher.publish('hints', [event]);
      } catch (error) {
        // Nothing was accepted, so the same delivery may come again.
        await options.redis.del(seenKey).catch(() => undefined);
        throw error;
      }
      return reply.code(204).send(null);
    },
  );
  done();
};

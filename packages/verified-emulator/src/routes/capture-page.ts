import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { safeEqual, type EmulatorContext } from '../emulator-context.js';
import { CAPTURE_PAGE_HTML } from '../capture-page-html.js';
import { CAPTURE_API_PREFIX } from '../paths.js';
import { OperationStatus, type OperationStatusCode } from '../state/operations.js';

const sessionSchema = z.looseObject({
  // `t` (verification transaction) links resolve against the same store: the emulator models no separate
  // transactions, so both URL forms work (emulator assumption).
  kind: z.enum(['operation', 'transaction']).nullable().optional(),
  id: z.string().min(1).max(128),
  secret: z.string().min(1).max(256),
});

// A data URL of a selfie; the bytes are checked for shape and size, then discarded.
const IMAGE_DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+=*$/i;
const MAX_IMAGE_BODY_BYTES = 12 * 1024 * 1024;

const completeSchema = z.looseObject({
  sessionId: z.string().min(1).max(128),
  decision: z.enum(['accept', 'reject', 'error']),
  image: z.string().regex(IMAGE_DATA_URL, 'image must be a base64 image data URL').nullable().optional(),
});

const DECISIONS: Record<
  'accept' | 'reject' | 'error',
  { status: OperationStatusCode; pageName: string; success: boolean }
> = {
  accept: { status: OperationStatus.Accepted, pageName: 'verifiedPage', success: true },
  reject: { status: OperationStatus.Rejected, pageName: 'defaultFailedPage', success: false },
  error: { status: OperationStatus.Error, pageName: 'standardErrorPage', success: false },
};

const NOT_VALID = { pageName: 'transactionNotValidPage', success: false } as const;

/** The hosted capture UI at `/?i=&s=` / `/?t=&s=` and its page-internal API. */
export function registerCapturePageRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      // The URL carries the OneTimeSecret: keep it out of caches and Referer headers.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(CAPTURE_PAGE_HTML),
  );

  app.post(`${CAPTURE_API_PREFIX}/session`, async (request, reply) => {
    const parsed = sessionSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', ...NOT_VALID });
    const { id, secret } = parsed.data;
    const op = ctx.lifecycle.find(id);
    // Unknown id, wrong secret and an already redeemed secret look the same from outside.
    if (!op || !safeEqual(secret, op.oneTimeSecret) || op.secretRedeemed) {
      return reply.code(401).send({ error: 'invalid_secret', ...NOT_VALID });
    }
    if (op.status !== OperationStatus.Pending) {
      return reply.code(409).send({ error: 'operation_finished', ...NOT_VALID });
    }
    op.secretRedeemed = true;
    return {
      sessionId: ctx.state.captureSessions.open(op.operationId),
      name: op.name,
      checkLiveness: op.checkLiveness,
    };
  });

  app.post(`${CAPTURE_API_PREFIX}/complete`, { bodyLimit: MAX_IMAGE_BODY_BYTES }, async (request, reply) => {
    const parsed = completeSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', ...NOT_VALID });
    const operationId = ctx.state.captureSessions.take(parsed.data.sessionId);
    if (!operationId) return reply.code(401).send({ error: 'invalid_session', ...NOT_VALID });
    const op = ctx.lifecycle.find(operationId);
    if (!op || op.status !== OperationStatus.Pending) {
      return reply.code(409).send({ error: 'operation_finished', ...NOT_VALID });
    }
    const decision = DECISIONS[parsed.data.decision];
    ctx.lifecycle.complete(op, decision.status);
    return { status: op.status, pageName: decision.pageName, success: decision.success };
  });
}

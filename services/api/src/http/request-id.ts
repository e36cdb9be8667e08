import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Every request gets an id of ours: a client's X-Request-Id is never taken as it, so a caller cannot forge,
 * collide with or inject into the ids the log and the problem `instance` use. Ours is echoed in the answer.
 */
export const requestIdOptions = {
  requestIdHeader: false as const,
  genReqId: () => randomUUID(),
};

export function installRequestIdEcho(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
}

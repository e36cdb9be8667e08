import type { FastifyInstance } from 'fastify';

/** Answers that can carry a capture URL (a bearer one-time secret) or ops data: no cache may keep them. */
const PRIVATE_PREFIXES = ['/v1/', '/ops/'];

export function installNoStore(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (PRIVATE_PREFIXES.some((prefix) => request.url.startsWith(prefix)))
      void reply.header('cache-control', 'no-store');
  });
}

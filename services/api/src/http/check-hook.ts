import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

/**
 * An onRequest hook from a synchronous check that throws to refuse. Fastify runs a two-argument hook as
 * promise-based, so the check runs inside one and its throw becomes the rejection fastify answers with.
 */
export function checkHook(
  check: (request: FastifyRequest, reply: FastifyReply) => void,
): onRequestAsyncHookHandler {
  return (request, reply) =>
    new Promise<void>((resolve) => {
      check(request, reply);
      resolve();
    });
}

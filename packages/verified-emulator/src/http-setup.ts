import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dotNetErrorBody, EmulatorControlError, UpstreamApiError } from './errors.js';
import { CAPTURE_API_PREFIX, CONTROL_PREFIX } from './paths.js';

/** Bodies of upstream calls stay small; the capture page raises its own route limit for a selfie. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

const isEmulatorPath = (url: string): boolean =>
  url.startsWith(CONTROL_PREFIX) || url.startsWith(CAPTURE_API_PREFIX);

/**
 * JSON bodies parsed leniently, like the upstream: an empty body (the token call sends none, or `{}`) is
 * fine, a JSON string literal (the refresh call) is fine, and a non-JSON content type is still tried as JSON.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const parse =
    (strict: boolean) =>
    (_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => {
      if (body.length === 0 || body.trim().length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(body));
      } catch {
        if (strict)
          done(new UpstreamApiError(400, 'E_INVALID_REQUEST', 'The request body is not valid JSON.'));
        else done(null, body);
      }
    };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parse(true));
  app.addContentTypeParser('*', { parseAs: 'string' }, parse(false));
}

/** Errors on upstream paths wear the .NET error body; emulator-only paths answer `{ error, message }`. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof EmulatorControlError) {
      return reply.code(error.httpStatus).send({ error: error.code, message: error.message });
    }
    if (error instanceof UpstreamApiError) {
      return reply.code(error.httpStatus).headers(error.headers).send(error.body());
    }
    const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (statusCode >= 500)
      request.log.error({ err: error, path: request.url.split('?')[0] }, 'emulator error');
    if (isEmulatorPath(request.url)) {
      return reply
        .code(statusCode)
        .send({ error: statusCode >= 500 ? 'internal_error' : 'invalid_request', message: error.message });
    }
    const id = statusCode >= 500 ? 'E_INTERNAL_ERROR' : 'E_INVALID_REQUEST';
    return reply
      .code(statusCode)
      .send(dotNetErrorBody(id, statusCode >= 500 ? 'An internal error occurred.' : error.message));
  });

  app.setNotFoundHandler((request, reply) => {
    if (isEmulatorPath(request.url))
      return reply.code(404).send({ error: 'not_found', message: 'No such emulator route' });
    return reply.code(404).send(dotNetErrorBody('E_NOT_FOUND', 'The requested resource does not exist.'));
  });
}

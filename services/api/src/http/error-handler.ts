import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  ApiError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  PROBLEM_CONTENT_TYPE,
  UnsupportedMediaTypeError,
  UriTooLongError,
  ValidationFailedError,
  type ErrorDetail,
} from '../errors.js';
import { isRedisUnavailable, RedisUnavailableError } from './redis-errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';

const JSON_CONTENT_TYPES = ['application/json'];

/** Maps every failure (ours, Fastify's, plugins') to the one problem shape; no stack or internals reach the client. */
export function toApiError(error: FastifyError): ApiError {
  if (error instanceof ApiError) return error;
  if (isRedisUnavailable(error)) return new RedisUnavailableError();
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    const details: ErrorDetail[] = error.validation.flatMap((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
      // An unknown field is reported on that field, not on its parent object.
      const unknownKeys =
        issue.keyword === 'unrecognized_keys' ? ((issue.params as { keys?: string[] }).keys ?? []) : [];
      if (unknownKeys.length > 0) {
        return unknownKeys.map((key) => ({
          field: path === '' ? key : `${path}.${key}`,
          reason: 'unknown field',
        }));
      }
      return [{ field: path === '' ? (context ?? null) : path, reason: issue.message ?? 'invalid' }];
    });
    return new ValidationFailedError(details, `The request ${context ?? 'input'} is invalid.`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new UnsupportedMediaTypeError(undefined, JSON_CONTENT_TYPES)
        : new ValidationFailedError(
            [{ field: 'Content-Length', reason: 'does not match the body' }],
            'Invalid Content-Length.',
          );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationFailedError(
        [{ field: 'body', reason: 'empty JSON body' }],
        'The request body is empty.',
        'invalid_body',
      );
    default:
      break;
  }
  if (
    error instanceof SyntaxError ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    (error.statusCode === 400 && error.code?.startsWith('FST_ERR_CTP'))
  ) {
    return new ValidationFailedError(
      [{ field: 'body', reason: 'not valid JSON' }],
      'The request body is not valid JSON.',
      'invalid_body',
    );
  }
  return new InternalError();
}

/** Answers `error` as `application/problem+json`, with its headers (Retry-After, ...). */
export function sendProblem(reply: FastifyReply, error: ApiError): FastifyReply {
  // Router errors are answered before any hook runs, so the id is set here too.
  void reply.header(REQUEST_ID_HEADER, reply.request.id);
  // Router errors skip the security-header hooks too; a problem body is never to be sniffed as anything else.
  void reply.header('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
  return reply.code(error.statusCode).type(PROBLEM_CONTENT_TYPE).send(error.toProblem(reply.request.id));
}

/**
 * The router's own refusals (a path parameter over maxParamLength, a URL that is not valid percent-encoding)
 * never reach setErrorHandler; Fastify hands them to the `frameworkErrors` option instead.
 */
export function frameworkErrorToApiError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new UriTooLongError();
    case 'FST_ERR_BAD_URL':
      return new ValidationFailedError(
        [{ field: 'url', reason: 'not valid percent-encoding' }],
        'The request URL is not valid.',
        'invalid_url',
      );
    default:
      return toApiError(error);
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError instanceof InternalError) {
      request.log.error({ err: error }, 'unhandled error');
    } else if (apiError.statusCode >= 500) {
      request.log.warn({ code: apiError.code }, apiError.message);
    }
    if (apiError instanceof UnsupportedMediaTypeError && !(error instanceof ApiError)) {
      const contentType = request.headers['content-type'];
      return sendProblem(reply, new UnsupportedMediaTypeError(contentType, JSON_CONTENT_TYPES));
    }
    return sendProblem(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new NotFoundError(
      `Route ${request.method} ${request.url.split('?')[0]}`,
      'route_not_found',
    );
    return sendProblem(reply, error);
  });
}

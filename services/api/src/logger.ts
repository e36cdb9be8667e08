import { HEADERS } from '@verified-onboard/contracts';
import type { FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED = '[REDACTED]';

// Secrets and biometric data never reach a log line (developing.md). Paths cover the objects this service logs;
// the request serializer below never logs headers or bodies in the first place, so these are the second line.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  `req.headers["${HEADERS.signature}"]`,
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  `headers["${HEADERS.signature}"]`,
  'headers.cookie',
  'authorization',
  'apiKey',
  'secret',
  'password',
  'captureUrl',
  'oneTimeSecret',
  'tempId',
  'selfie.data',
  'body',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.captureUrl',
  '*.oneTimeSecret',
  '*.tempId',
  '*.selfie.data',
  '*.body',
  '*.data.selfie',
];

// Query parameters that carry secrets: the capture page's OneTimeSecret (`s`) and anything key-like.
const SECRET_QUERY_PARAM = /([?&](?:s|apiKey|api_key|secret|token|key)=)[^&#]*/gi;

export function sanitizeUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAM, `$1${REDACTED}`);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'api' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: {
        // Whatever is logged as `req`, only these fields come out: never headers or bodies.
        req: (request: Partial<FastifyRequest>) => ({
          method: request.method,
          url: typeof request.url === 'string' ? sanitizeUrl(request.url) : undefined,
          remoteAddress: request.ip,
          contentType: request.headers?.['content-type'],
          contentLength: request.headers?.['content-length'],
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? pino.destination(1),
  );
}

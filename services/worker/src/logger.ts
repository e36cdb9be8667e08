import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Belt and braces: the pipeline never hands a secret to the logger, and these paths are censored even
 * if a future change does (upstream responses, job data, error objects).
 */
export const REDACT_PATHS = [
  'tempId',
  'TempId',
  'oneTimeSecret',
  'OneTimeSecret',
  'captureUrl',
  'accessToken',
  'refreshToken',
  'token',
  'authorization',
  'apiKeyValue',
  'secretKey',
  'password',
  'image',
  'selfie.data',
  '*.tempId',
  '*.TempId',
  '*.oneTimeSecret',
  '*.OneTimeSecret',
  '*.captureUrl',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.authorization',
  '*.apiKeyValue',
  '*.secretKey',
  '*.password',
  '*.image',
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(options: {
  level: string;
  destination?: DestinationStream;
  name?: string;
}): Logger {
  return pino(
    {
      name: options.name ?? 'worker',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}

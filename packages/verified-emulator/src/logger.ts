import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Tokens, API keys, OneTimeSecrets, TempIds and webhook credentials must never reach a log line. Besides the
 * redact paths, requests are serialized without their query string: the capture page URL carries the secret.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.AccessToken',
  '*.RefreshToken',
  '*.OneTimeSecret',
  '*.TempId',
  '*.SecretKey',
  '*.Password',
  '*.secret',
];

export function createEmulatorLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'verified-emulator',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          path: (req.url ?? '').split('?')[0],
        }),
      },
    },
    destination,
  );
}

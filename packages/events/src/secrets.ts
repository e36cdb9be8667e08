import { EventValidationError } from './errors.js';

// Field names that carry credentials or biometric data. Events must never contain them: a producer that
// spreads an upstream response into event data is stopped here, loudly, instead of leaking into the log.
const FORBIDDEN_KEYS = new Set(
  [
    'oneTimeSecret',
    'tempId',
    'token',
    'accessToken',
    'refreshToken',
    'apiKey',
    'apiKeyValue',
    'password',
    'secret',
    'secretKey',
    'image',
    'imageData',
    'selfieData',
    'data',
  ].map((k) => k.toLowerCase()),
);

/** Throws EventValidationError('forbidden_field') when `value` holds a secret-named field at any depth. */
export function assertNoSecrets(value: unknown, path = 'data'): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key.toLowerCase()) && v !== undefined && v !== null) {
      throw new EventValidationError(
        'forbidden_field',
        `${path}.${key} looks like a secret or biometric data and may not appear in an event`,
      );
    }
    assertNoSecrets(v, `${path}.${key}`);
  }
}

/** EVENTS_INCLUDE_CAPTURE_URL=true|1 opts in to publishing capture URLs (they embed a OneTimeSecret). */
export function captureUrlEnabledByEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.EVENTS_INCLUDE_CAPTURE_URL?.trim().toLowerCase();
  return v === 'true' || v === '1' || v === 'yes';
}

import { HEADERS } from '@verified-onboard/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';

export { webhookPayloadSchema, type WebhookPayload } from './schemas/webhook-payload.js';

/** Header the upstream (as emulated) signs deliveries in. The real scheme is undocumented. */
export const WEBHOOK_SIGNATURE_HEADER = HEADERS.signature;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SHA256_BYTES = 32;

/**
 * Checks `X-Signature: base64(HMAC-SHA256(secret, rawBody))` in constant time. The raw body must be the exact
 * bytes received (verify before JSON parsing). Missing or malformed headers are simply not valid.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
): boolean {
  if (typeof signatureHeader !== 'string' || secret === '') return false;
  const text = signatureHeader.trim().replace(/^sha256=/i, '');
  if (!BASE64.test(text) || text.length % 4 !== 0) return false;
  const received = Buffer.from(text, 'base64');
  if (received.length !== SHA256_BYTES) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(received, expected);
}

/** The signature the upstream would send; for tests and for local tools that replay deliveries. */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

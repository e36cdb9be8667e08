import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyWebhookSignature } from '@verified-onboard/verified-client';

export interface WebhookAuthConfig {
  secret: string;
  basicAuth?: { user: string; password: string };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A webhook is accepted when its X-Signature (HMAC-SHA256 over the raw body) verifies, or when Basic auth is
 * configured (AuthMode 1 upstream) and matches. Both comparisons are constant time.
 */
export function webhookAuthenticated(
  config: WebhookAuthConfig,
  rawBody: Buffer,
  headers: { signature: string | undefined; authorization: string | undefined },
): boolean {
  if (headers.signature !== undefined && verifyWebhookSignature(rawBody, headers.signature, config.secret))
    return true;
  if (config.basicAuth && headers.authorization) {
    const [scheme, value] = headers.authorization.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'basic' && value) {
      const expected = digest(`${config.basicAuth.user}:${config.basicAuth.password}`);
      return timingSafeEqual(digest(Buffer.from(value, 'base64').toString('utf8')), expected);
    }
  }
  return false;
}

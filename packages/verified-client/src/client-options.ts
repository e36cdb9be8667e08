import type { OnCall, RateLimiter } from './http/transport.js';
import type { ClientLogger } from './redact.js';
import type { TokenStore } from './token/token-store.js';

export interface VerifiedClientOptions {
  /** Host root, e.g. http://127.0.0.1:4010 or https://id.authid.ai. */
  baseUrl: string;
  apiKeyId: string;
  apiKeyValue: string;
  /** Per HTTP call, headers and body included. Default 10 000. */
  timeoutMs?: number;
  /** Default in-process; a RedisTokenStore shares one token pair across processes. */
  tokenStore?: TokenStore;
  /** pino-compatible; receives ids, codes and timings only, never tokens, secrets or biometric data. */
  logger?: ClientLogger;
  /** Called once per upstream HTTP call (token calls included) with 'ok' or the error code. */
  onCall?: OnCall;
  /** Awaited before every upstream HTTP call, token calls included. */
  rateLimiter?: RateLimiter;
  /** Keep-alive connections to the upstream host. Default 64. */
  connections?: number;
  /** Renew the access token this long before it expires (capped at a quarter of its lifetime). Default 30 000. */
  tokenRefreshSkewMs?: number;
}

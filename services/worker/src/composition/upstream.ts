import { sharedKeys } from '@verified-onboard/contracts';
import type { Keyring } from '@verified-onboard/events';
import { RedisTokenStore, VerifiedClient } from '@verified-onboard/verified-client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import type { WorkerMetrics } from '../metrics.js';
import { RedisRateLimiter } from '../stores/rate-limiter.js';
import type { Closers } from './closers.js';

export interface Upstream {
  client: VerifiedClient;
  /** One fleet-wide budget of calls to Verified, shared with every worker on the same Redis. */
  limiter: RedisRateLimiter;
}

/** The Verified client of this worker, with its fleet-wide rate limit and a token store sealed by the keyring. */
export function connectUpstream(
  config: WorkerConfig,
  redis: Redis,
  keyring: Keyring,
  metrics: WorkerMetrics,
  logger: Logger,
  closers: Closers,
): Upstream {
  const prefix = config.keyPrefix;
  const limiter = new RedisRateLimiter(redis, {
    prefix,
    ratePerSec: config.verified.rateLimitPerSec,
    onWait: () => metrics.rateLimitWaits.inc(),
  });
  const client = new VerifiedClient({
    baseUrl: config.verified.baseUrl,
    apiKeyId: config.verified.apiKeyId,
    apiKeyValue: config.verified.apiKeyValue,
    timeoutMs: config.verified.timeoutMs,
    tokenStore: new RedisTokenStore(redis, { keyPrefix: sharedKeys(prefix).upstreamTokens, cipher: keyring }),
    logger: logger.child({ component: 'verified-client' }),
    rateLimiter: limiter,
    onCall: (endpoint, outcome, ms) => {
      metrics.upstreamCalls.inc({ endpoint, outcome });
      metrics.upstreamDuration.observe({ endpoint }, ms / 1000);
    },
  });
  closers.add(() => client.close());
  return { client, limiter };
}

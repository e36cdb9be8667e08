import { hash } from 'node:crypto';
import { sharedKeys } from '@verified-onboard/contracts';
import { DEFAULT_TENANT } from '@verified-onboard/events';

/** Redis keys owned or read by the api (docs/architecture.md, the keys the api and the worker share); `prefix` is QUEUE_PREFIX without the trailing ':'. */
export function redisKeys(prefix: string) {
  const shared = sharedKeys(prefix);
  // Claims are per tenant. The default tenant keeps the key names from before tenants, so claims and
  // idempotency keys written then stay valid.
  const scoped = (tenant: string) => (tenant === DEFAULT_TENANT ? prefix : `${prefix}:t:${tenant}`);
  return {
    idempotency: (tenant: string, apiKeyId: string, key: string) =>
      `${scoped(tenant)}:idem:${apiKeyId}:${key}`,
    activeAccount: (tenant: string, accountNumber: string) =>
      `${scoped(tenant)}:active-account:${accountNumber}`,
    /** The caller's free-text reference is hashed: bounded key names, and no caller text in them. */
    externalRef: (tenant: string, externalRef: string) =>
      `${scoped(tenant)}:external-ref:${hash('sha256', externalRef, 'hex').slice(0, 40)}`,
    /** Tenant that created the upstream account (written by the worker; account numbers are global upstream). */
    accountOwner: shared.accountOwner,
    accepted: shared.accepted,
    captureUrl: shared.captureUrlSecret,
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    /** Bitmap of a batch's lines whose enrollment.requested Kafka acknowledged: a resubmission skips them. */
    batchPublished: (batchId: string) => `${prefix}:batch:${batchId}:published`,
    /** Slots of the batches an API key is streaming (a sorted set of tokens by expiry). */
    batchSlots: (apiKeyId: string) => `${prefix}:batch-slots:${apiKeyId}`,
    rateLimitNamespace: `${prefix}:rate-limit:`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

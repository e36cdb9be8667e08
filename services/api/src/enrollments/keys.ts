/** Redis keys owned or read by the api (docs/architecture.md, the keys the api and the worker share); `prefix` is QUEUE_PREFIX without the trailing ':'. */
export function redisKeys(prefix: string) {
  return {
    idempotency: (apiKeyId: string, key: string) => `${prefix}:idem:${apiKeyId}:${key}`,
    activeAccount: (accountNumber: string) => `${prefix}:active-account:${accountNumber}`,
    accepted: (enrollmentId: string) => `${prefix}:accepted:${enrollmentId}`,
    captureUrl: (enrollmentId: string) => `${prefix}:secret:capture-url:${enrollmentId}`,
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    rateLimitNamespace: `${prefix}:rate-limit:`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

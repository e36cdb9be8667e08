export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

/**
 * Delay before retry number `attemptsMade` (1 after the first failure): exponential with "full jitter"
 * (uniform in [cap/2, cap]) so a fleet of workers that failed together does not retry together. A
 * Retry-After from the upstream is a floor: retrying earlier only earns another 429.
 */
export function retryDelayMs(
  attemptsMade: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions,
): number {
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, attemptsMade - 1);
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(exponent, 30));
  const jittered = Math.round(cap / 2 + random() * (cap / 2));
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 0;
  return Math.max(jittered, floor);
}

/** A condition that did not hold before its deadline; `last` is what the probe saw last (for the message). */
export class WaitTimeoutError extends Error {
  readonly code = 'wait_timeout';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(
      `${what}: not reached within ${Math.round(timeoutMs / 1000)} s${last === undefined ? '' : ` (last seen: ${describe(last)})`}`,
    );
    this.name = 'WaitTimeoutError';
  }
}

function describe(value: unknown): string {
  const text =
    value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? String(value)).slice(0, 500);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than null/undefined, and returns that. Probe errors are
 * remembered (a service that is restarting refuses connections for a while) and reported at the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined> | T | null | undefined,
  options: { timeoutMs: number; intervalMs?: number; onProbe?: (value: T | null | undefined) => void },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      options.onProbe?.(value);
      if (value !== null && value !== undefined) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(what, options.timeoutMs, last);
    await sleep(options.intervalMs ?? 250);
  }
}

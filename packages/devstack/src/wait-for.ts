/** A condition that did not hold before its deadline; `last` is what the probe saw last (for the message). */
export class WaitTimeoutError extends Error {
  readonly code = 'wait_timeout';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(
      `${what}: not reached within ${timeoutMs} ms${last === undefined ? '' : ` (last seen: ${describe(last)})`}`,
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

export interface WaitOptions<T> {
  /** A bound that only turns a hang into a failure with a message; no result depends on it. Default 30 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 50 ms. */
  intervalMs?: number;
  /** Sees every probe's value (progress output). */
  onProbe?: (value: T | null | undefined | false) => void;
}

/**
 * The one wait of the tests, the bench and the soak: polls `probe` until it returns something other than
 * null, undefined or false, and returns that. Probe errors are remembered (a service that is restarting
 * refuses connections for a while) and reported with the last value if the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: WaitOptions<T> = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      options.onProbe?.(value);
      if (value !== null && value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, last);
    await sleep(options.intervalMs ?? 50);
  }
}

/**
 * The emulator's notion of "now". The base comes from the injectable `now` option (tests pass a fake);
 * `advance()` (POST /_emulator/clock) adds an offset on top, so a running emulator can be moved 72 h ahead
 * to expire TempIds and operations without waiting.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  get offset(): number {
    return this.offsetMs;
  }

  reset(): void {
    this.offsetMs = 0;
  }

  /**
   * Wall time without the advance() offset: what a delivery sent right now is stamped with. The receiver
   * refuses deliveries stamped far from its own clock, so a scenario moved 72 h ahead must not date them.
   */
  wallIso(): string {
    return new Date(this.base()).toISOString();
  }

  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }
}

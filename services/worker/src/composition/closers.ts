import type { Logger } from 'pino';

/** What a running worker must release, closed in the reverse order of opening; a failing close is logged. */
export class Closers {
  private readonly closers: Array<() => Promise<unknown>> = [];

  constructor(private readonly logger: Logger) {}

  add(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse())
      await close().catch((error: Error) =>
        this.logger.warn({ err: { message: error.message } }, 'close failed'),
      );
    this.closers.length = 0;
  }
}

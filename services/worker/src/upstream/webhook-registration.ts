import type { VerifiedClient } from '@verified-onboard/verified-client';
import type { Logger } from 'pino';

export interface WebhookRegistrationOptions {
  url: string;
  secretKey: string;
  logger: Logger;
  /** Delay before attempt n (n >= 2) after a failed registration. */
  retryDelayMs?: (attempt: number) => number;
}

const defaultRetryDelayMs = (attempt: number) => Math.min(30_000, 500 * 2 ** Math.min(attempt - 2, 6));

/**
 * PUT settings/webhook: the upstream then tells the api about final statuses. `active` is what the poll
 * schedule keys off: only once the upstream accepted our URL may polling slow down to a backup pace.
 * A failed first attempt is retried in the background, so a start that met an upstream fault does not
 * leave the fleet on polling alone until its next restart.
 */
export class WebhookRegistration {
  private registered = false;
  private stopped = false;
  private retrying: Promise<void> | null = null;

  constructor(
    private readonly client: VerifiedClient,
    private readonly options: WebhookRegistrationOptions,
  ) {}

  get active(): boolean {
    return this.registered;
  }

  /** The first attempt is awaited (normally the webhook is in place when the worker is up). */
  async start(): Promise<void> {
    if (await this.attempt(1)) return;
    this.retrying = this.retry();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.retrying;
  }

  private async retry(): Promise<void> {
    const delay = this.options.retryDelayMs ?? defaultRetryDelayMs;
    for (let attempt = 2; !this.stopped; attempt++) {
      await new Promise((r) => setTimeout(r, delay(attempt)).unref());
      if (this.stopped || (await this.attempt(attempt))) return;
    }
  }

  private async attempt(attempt: number): Promise<boolean> {
    const { url, secretKey, logger } = this.options;
    try {
      await this.client.updateWebhookSettings({ enabled: true, secretKey, webHook: { url, authMode: 0 } });
      this.registered = true;
      logger.info({ url, attempt }, 'webhook registered with the upstream');
      return true;
    } catch (error) {
      // Not fatal: without webhooks polling alone (on the fast schedule) still completes every enrollment.
      logger.error(
        { err: { message: (error as Error).message, code: (error as { code?: unknown }).code }, attempt },
        'webhook registration failed',
      );
      return false;
    }
  }
}

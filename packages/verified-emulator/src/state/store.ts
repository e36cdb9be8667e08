import { ENDPOINT_NAMES, type EndpointName } from '../paths.js';
import { cloneScenario, type Scenario } from '../scenario.js';
import { AccountStore, type CredentialKind } from './accounts.js';
import { CaptureSessionStore } from './capture-sessions.js';
import { OperationStore, type StatusCounters } from './operations.js';
import { TempIdStore } from './tempids.js';
import { TokenStore } from './tokens.js';
import { defaultWebhookSettings, type WebhookSettings } from './webhook-settings.js';

export interface WebhookCounters {
  /** Attempted and answered 2xx. */
  sent: number;
  /** Not attempted on purpose: scenario webhook.enabled false, or picked by webhook.dropRate. */
  dropped: number;
  /** Attempted but refused, timed out or answered non-2xx (never retried). */
  failed: number;
}

export interface EmulatorStats {
  calls: Record<EndpointName, number>;
  accounts: number;
  credentials: number;
  duplicateCreates: { account: number; credential: number };
  webhooks: WebhookCounters;
  operations: StatusCounters;
  tokens: { issued: number; refreshed: number; reuseDetected: number };
}

export interface AccountView {
  accountNumber: string;
  createAttempts: number;
  credentials: number;
  credentialCreates: number;
  credentialKind: CredentialKind | null;
}

const zeroCalls = (): Record<EndpointName, number> =>
  Object.fromEntries(ENDPOINT_NAMES.map((n) => [n, 0])) as Record<EndpointName, number>;

/** Everything the emulator remembers, in memory, with O(1) maps; `reset()` returns it to the baseline. */
export class EmulatorState {
  readonly tokens = new TokenStore();
  readonly accounts = new AccountStore();
  readonly operations = new OperationStore();
  readonly tempIds = new TempIdStore();
  readonly captureSessions = new CaptureSessionStore();
  calls = zeroCalls();
  webhookCounters: WebhookCounters = { sent: 0, dropped: 0, failed: 0 };
  webhookSettings: WebhookSettings;
  scenario: Scenario;

  constructor(
    private readonly baselineScenario: Scenario,
    private readonly baselineWebhookSecret: string,
  ) {
    this.scenario = cloneScenario(baselineScenario);
    this.webhookSettings = defaultWebhookSettings(baselineWebhookSecret);
  }

  reset(): void {
    this.tokens.clear();
    this.accounts.clear();
    this.operations.clear();
    this.tempIds.clear();
    this.captureSessions.clear();
    this.calls = zeroCalls();
    this.webhookCounters = { sent: 0, dropped: 0, failed: 0 };
    this.webhookSettings = defaultWebhookSettings(this.baselineWebhookSecret);
    this.scenario = cloneScenario(this.baselineScenario);
  }

  stats(): EmulatorStats {
    return {
      calls: { ...this.calls },
      accounts: this.accounts.size,
      credentials: this.accounts.credentials,
      duplicateCreates: {
        account: this.accounts.duplicateAccountCreates,
        credential: this.accounts.duplicateCredentialCreates,
      },
      webhooks: { ...this.webhookCounters },
      operations: { ...this.operations.counters },
      tokens: {
        issued: this.tokens.issued,
        refreshed: this.tokens.refreshed,
        reuseDetected: this.tokens.reuseDetected,
      },
    };
  }

  accountViews(): AccountView[] {
    const views: AccountView[] = [];
    for (const r of this.accounts.all()) {
      views.push({
        accountNumber: r.account.AccountNumber,
        createAttempts: r.createAttempts,
        credentials: r.credential ? 1 : 0,
        credentialCreates: r.credentialCreates,
        credentialKind: r.credential?.kind ?? null,
      });
    }
    return views;
  }
}

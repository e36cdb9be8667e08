import { AuthenticationError } from '../../src/errors.js';
import type { TokenResponseWire } from '../../src/schemas/token.js';
import type { TokenEndpoints } from '../../src/token/token-manager.js';

/**
 * An in-memory identity service with the upstream's refresh rule: a refresh token works once, reuse is a 401.
 * `gate` lets a test hold token calls open to observe concurrency.
 */
export class FakeIdentity implements TokenEndpoints {
  tokenCalls = 0;
  refreshCalls = 0;
  reuseAttempts = 0;
  lifetimeMs: number;
  gate: Promise<void> = Promise.resolve();
  refreshFailure: Error | null = null;
  private issued = new Set<string>();
  private spent = new Set<string>();
  private counter = 0;

  constructor(
    private readonly now: () => number,
    lifetimeMs = 60_000,
  ) {
    this.lifetimeMs = lifetimeMs;
  }

  async token(): Promise<TokenResponseWire> {
    this.tokenCalls += 1;
    await this.gate;
    return this.issue();
  }

  async refresh(refreshToken: string): Promise<TokenResponseWire> {
    this.refreshCalls += 1;
    await this.gate;
    if (this.spent.has(refreshToken) || !this.issued.has(refreshToken)) {
      this.reuseAttempts += 1;
      throw new AuthenticationError('refresh: HTTP 401', { endpoint: 'refresh', httpStatus: 401 });
    }
    this.spent.add(refreshToken);
    if (this.refreshFailure) throw this.refreshFailure;
    return this.issue();
  }

  private issue(): TokenResponseWire {
    this.counter += 1;
    const refresh = `refresh-${this.counter}`;
    this.issued.add(refresh);
    return {
      AccessToken: `access-${this.counter}`,
      RefreshToken: refresh,
      AccessTokenExpirationDate: new Date(this.now() + this.lifetimeMs).toISOString(),
    };
  }
}

export class FakeClock {
  // Starts at the real time: Redis key TTLs are computed on the real clock.
  constructor(public t = Date.now()) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

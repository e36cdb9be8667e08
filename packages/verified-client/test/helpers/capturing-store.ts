import { InMemoryTokenStore, type StoredToken } from '../../src/token/token-store.js';

/** An in-memory store that remembers every token pair it held, so a test can look for them in logs. */
export class CapturingTokenStore extends InMemoryTokenStore {
  readonly seen = new Set<string>();

  override async set(scope: string, token: StoredToken): Promise<void> {
    this.seen.add(token.accessToken);
    if (token.refreshToken) this.seen.add(token.refreshToken);
    await super.set(scope, token);
  }
}

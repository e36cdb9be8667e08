import { ExpiringStore } from '../keys.js';

export interface IntentClaim {
  /** True when this enrollment holds the intent (first claim or an earlier claim of its own). */
  ours: boolean;
  /** True when the intent was recorded by this very attempt: no earlier call of ours can have had an effect. */
  fresh: boolean;
  owner: string;
}

/**
 * "Already exists" is our own earlier effect only when an earlier attempt of this enrollment recorded the
 * intent (and so may have made the call). A fresh intent followed by "already exists" means someone else.
 */
export function ownsExisting(claim: IntentClaim): boolean {
  return claim.ours && !claim.fresh;
}

/**
 * Intents to create upstream effects. Before a create, a step records its intent (`SET NX` enrollment id);
 * when the upstream then says "already exists", the effect is ours only if the intent is ours. That
 * tells an idempotent re-run after a crash apart from an account or credential someone else made.
 */
export class EffectIntents extends ExpiringStore {
  claimAccount(accountNumber: string, enrollmentId: string): Promise<IntentClaim> {
    return this.claim(this.keys.accountIntent(accountNumber), enrollmentId);
  }

  /** After our create succeeded under someone else's stale intent: the account is ours now. */
  async takeOverAccount(accountNumber: string, enrollmentId: string): Promise<void> {
    await this.redis.set(this.keys.accountIntent(accountNumber), enrollmentId, 'EX', this.ttlSec);
  }

  async accountOwner(accountNumber: string): Promise<string | null> {
    return this.redis.get(this.keys.accountIntent(accountNumber));
  }

  /**
   * Records the tenant that created the account. Kept without expiry, as long as the account itself: the api
   * admits a recapture or an import on an existing account only to this tenant.
   */
  async recordAccountTenant(accountNumber: string, tenant: string): Promise<void> {
    await this.redis.set(this.keys.accountOwner(accountNumber), tenant);
  }

  async accountTenant(accountNumber: string): Promise<string | null> {
    return this.redis.get(this.keys.accountOwner(accountNumber));
  }

  /**
   * `takeOver`: recapture replaces the account's credential by design, so it overwrites an older
   * intent (the api admits one active enrollment per account, so there is no live competitor).
   */
  async claimCredential(
    accountNumber: string,
    enrollmentId: string,
    options: { takeOver: boolean },
  ): Promise<IntentClaim> {
    const key = this.keys.credentialIntent(accountNumber);
    if (!options.takeOver) return this.claim(key, enrollmentId);
    const previous = await this.redis.set(key, enrollmentId, 'EX', this.ttlSec, 'GET');
    return { ours: true, fresh: previous !== enrollmentId, owner: enrollmentId };
  }

  async credentialOwner(accountNumber: string): Promise<string | null> {
    return this.redis.get(this.keys.credentialIntent(accountNumber));
  }

  /** Recapture: remembers that the old credential is gone, so a re-run does not delete the new one. */
  async markCredentialReplaced(enrollmentId: string): Promise<void> {
    await this.redis.set(this.keys.credentialReplaced(enrollmentId), '1', 'EX', this.ttlSec);
  }

  async credentialReplaced(enrollmentId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.credentialReplaced(enrollmentId))) === 1;
  }

  private async claim(key: string, enrollmentId: string): Promise<IntentClaim> {
    const set = await this.redis.set(key, enrollmentId, 'EX', this.ttlSec, 'NX');
    if (set === 'OK') return { ours: true, fresh: true, owner: enrollmentId };
    const owner = (await this.redis.get(key)) ?? '';
    return { ours: owner === enrollmentId, fresh: false, owner };
  }
}

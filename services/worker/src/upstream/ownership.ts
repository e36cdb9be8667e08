import type { Keyring } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { ENROLLMENT_FIELDS as F, ExpiringStore } from '../keys.js';

export type OperationKind = 'foreign' | 'operation';

/** What the begin step learnt from the upstream; kept so a re-run never starts a second operation. */
export interface OperationRecord {
  operationId: string;
  /** `foreign`: BeginGetForeignBiometry (capture); `operation`: Create New Operation (recapture). */
  kind: OperationKind;
  /** ms since epoch when the upstream operation times out. */
  expiresAt: number;
  startedAt: number;
}

export interface Claim {
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
export function ownsExisting(claim: Claim): boolean {
  return claim.ours && !claim.fresh;
}

/**
 * Ownership of upstream effects. Before a create, a step records its intent (`SET NX` enrollment id);
 * when the upstream then says "already exists", the effect is ours only if the intent is ours. That
 * tells an idempotent re-run after a crash apart from an account or credential someone else made.
 */
export class Ownership extends ExpiringStore {
  constructor(
    redis: Redis,
    prefix: string,
    ttlSec: number,
    /** Seals the capture URL (it embeds the OneTimeSecret) under its Redis key; SecretStore opens it. */
    private readonly keyring: Keyring,
  ) {
    super(redis, prefix, ttlSec);
  }

  claimAccount(accountNumber: string, enrollmentId: string): Promise<Claim> {
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
  ): Promise<Claim> {
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

  /**
   * Stores the operation right after the begin call, with the operationId → enrollmentId index the
   * hint consumer needs and (inline transport) the capture URL secret, in one transaction so that a
   * crash cannot leave an operation without its URL.
   */
  async recordOperation(
    enrollmentId: string,
    record: OperationRecord,
    captureUrl: string | null,
  ): Promise<void> {
    const ttlMs = Math.max(1000, record.expiresAt - Date.now());
    const key = this.keys.enrollment(enrollmentId);
    const tx = this.redis
      .multi()
      .hset(
        key,
        F.operationId,
        record.operationId,
        F.operationKind,
        record.kind,
        F.operationStartedAt,
        record.startedAt,
        F.operationExpiresAt,
        record.expiresAt,
      )
      .expire(key, this.ttlSec)
      .set(this.keys.operationIndex(record.operationId), enrollmentId, 'EX', this.ttlSec);
    if (captureUrl) {
      const secretKey = this.keys.captureUrlSecret(enrollmentId);
      tx.set(secretKey, this.keyring.sealText(captureUrl, secretKey), 'PX', ttlMs);
    }
    await tx.exec();
  }

  async operation(enrollmentId: string): Promise<OperationRecord | null> {
    const [operationId, kind, startedAt, expiresAt] = await this.redis.hmget(
      this.keys.enrollment(enrollmentId),
      F.operationId,
      F.operationKind,
      F.operationStartedAt,
      F.operationExpiresAt,
    );
    if (!operationId) return null;
    return {
      operationId,
      kind: kind as OperationKind,
      startedAt: Number(startedAt),
      expiresAt: Number(expiresAt),
    };
  }

  async enrollmentForOperation(operationId: string): Promise<string | null> {
    return this.redis.get(this.keys.operationIndex(operationId));
  }

  private async claim(key: string, enrollmentId: string): Promise<Claim> {
    const set = await this.redis.set(key, enrollmentId, 'EX', this.ttlSec, 'NX');
    if (set === 'OK') return { ours: true, fresh: true, owner: enrollmentId };
    const owner = (await this.redis.get(key)) ?? '';
    return { ours: owner === enrollmentId, fresh: false, owner };
  }
}

import type { Keyring } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { workerKeys, type WorkerKeys } from '../keys.js';

/** The upstream keeps a TempId's data for at most 72 hours (docs/verified-api.md §8). */
export const TEMPID_LIFETIME_MS = 72 * 3600 * 1000;

export interface StoredTempId {
  tempId: string;
  obtainedAt: number;
}

/**
 * Secrets live in Redis only, with a TTL, never in events, job data or logs: the TempId until it is
 * useless upstream, the capture URL (it embeds the OneTimeSecret) until the operation times out. Both are
 * sealed by the keyring under their Redis key; a value that does not open (written in clear before sealing,
 * or under a retired key) reads as absent, so the step fetches a new TempId or begins anew.
 */
export class SecretStore {
  private readonly keys: WorkerKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly keyring: Keyring,
  ) {
    this.keys = workerKeys(prefix);
  }

  /** Keeps the first TempId obtained for the enrollment (a re-run must not move `obtainedAt`). */
  async putTempId(enrollmentId: string, tempId: string, obtainedAt: number): Promise<StoredTempId> {
    const key = this.keys.tempIdSecret(enrollmentId);
    const value: StoredTempId = { tempId, obtainedAt };
    const ttlMs = Math.max(1, obtainedAt + TEMPID_LIFETIME_MS - Date.now());
    const sealed = this.keyring.sealText(JSON.stringify(value), key);
    const set = await this.redis.set(key, sealed, 'PX', ttlMs, 'NX');
    if (set === 'OK') return value;
    const kept = await this.tempId(enrollmentId);
    if (kept) return kept;
    // What is there does not open (plaintext from before sealing): replace it rather than keep it forever.
    await this.redis.set(key, sealed, 'PX', ttlMs);
    return value;
  }

  async tempId(enrollmentId: string): Promise<StoredTempId | null> {
    const opened = await this.open(this.keys.tempIdSecret(enrollmentId));
    if (opened === null) return null;
    const value = JSON.parse(opened) as StoredTempId;
    return typeof value.tempId === 'string' && typeof value.obtainedAt === 'number' ? value : null;
  }

  async captureUrl(enrollmentId: string): Promise<string | null> {
    return this.open(this.keys.captureUrlSecret(enrollmentId));
  }

  private async open(key: string): Promise<string | null> {
    const sealed = await this.redis.get(key);
    return sealed === null ? null : this.keyring.openText(sealed, key);
  }

  /** Once the enrollment is terminal (completed, failed, rejected, expired, canceled) neither secret has a use. */
  async forget(enrollmentId: string): Promise<void> {
    // One key a command: the two may sit in different Redis Cluster hash slots.
    await Promise.all([
      this.redis.del(this.keys.tempIdSecret(enrollmentId)),
      this.redis.del(this.keys.captureUrlSecret(enrollmentId)),
    ]);
  }
}

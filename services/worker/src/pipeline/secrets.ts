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
 * useless upstream, the capture URL (it embeds the OneTimeSecret) until the operation times out.
 */
export class SecretStore {
  private readonly keys: WorkerKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = workerKeys(prefix);
  }

  /** Keeps the first TempId obtained for the enrollment (a re-run must not move `obtainedAt`). */
  async putTempId(enrollmentId: string, tempId: string, obtainedAt: number): Promise<StoredTempId> {
    const key = this.keys.tempIdSecret(enrollmentId);
    const value: StoredTempId = { tempId, obtainedAt };
    const ttlMs = Math.max(1, obtainedAt + TEMPID_LIFETIME_MS - Date.now());
    const set = await this.redis.set(key, JSON.stringify(value), 'PX', ttlMs, 'NX');
    if (set === 'OK') return value;
    return (await this.tempId(enrollmentId)) ?? value;
  }

  async tempId(enrollmentId: string): Promise<StoredTempId | null> {
    const raw = await this.redis.get(this.keys.tempIdSecret(enrollmentId));
    return raw ? (JSON.parse(raw) as StoredTempId) : null;
  }

  async captureUrl(enrollmentId: string): Promise<string | null> {
    return this.redis.get(this.keys.captureUrlSecret(enrollmentId));
  }

  /** After the credential is attached neither secret has a use left. */
  async forget(enrollmentId: string): Promise<void> {
    await this.redis.del(this.keys.tempIdSecret(enrollmentId), this.keys.captureUrlSecret(enrollmentId));
  }
}

import type { Redis } from 'ioredis';

/**
 * SET NX claims (idempotency keys, one active enrollment per account). The value is `enrollmentId|fingerprint|claimedAtMs`
 * so a claim left behind by a crashed request can be told from one whose publish is still in flight.
 */
export interface AdmissionClaim {
  enrollmentId: string;
  fingerprint: string;
  claimedAtMs: number;
}

const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const REPLACE_IF_UNCHANGED = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 else return 0 end`;

export const encodeClaim = (claim: AdmissionClaim) =>
  `${claim.enrollmentId}|${claim.fingerprint}|${claim.claimedAtMs}`;

export function decodeClaim(raw: string): AdmissionClaim {
  const [enrollmentId = '', fingerprint = '', claimedAt = '0'] = raw.split('|');
  return { enrollmentId, fingerprint, claimedAtMs: Number(claimedAt) || 0 };
}

export type ClaimResult =
  { claimed: true; value: string } | { claimed: false; existing: AdmissionClaim; raw: string };

export class ClaimStore {
  constructor(private readonly redis: Redis) {}

  async claim(key: string, claim: AdmissionClaim, ttlSec: number): Promise<ClaimResult> {
    const value = encodeClaim(claim);
    const set = await this.redis.set(key, value, 'EX', ttlSec, 'NX');
    if (set === 'OK') return { claimed: true, value };
    const raw = await this.redis.get(key);
    // Expired between SET and GET: claim again once (a second miss means heavy contention; report it as held).
    if (raw === null) {
      const retry = await this.redis.set(key, value, 'EX', ttlSec, 'NX');
      if (retry === 'OK') return { claimed: true, value };
      const again = (await this.redis.get(key)) ?? value;
      return { claimed: false, existing: decodeClaim(again), raw: again };
    }
    return { claimed: false, existing: decodeClaim(raw), raw };
  }

  /** Takes over a stale or finished claim only if nobody changed it since it was read. */
  async replace(
    key: string,
    previousRaw: string,
    claim: AdmissionClaim,
    ttlSec: number,
  ): Promise<string | null> {
    const value = encodeClaim(claim);
    const replaced = await this.redis.eval(REPLACE_IF_UNCHANGED, 1, key, previousRaw, value, String(ttlSec));
    return replaced === 1 ? value : null;
  }

  async release(key: string, value: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OURS, 1, key, value);
  }
}

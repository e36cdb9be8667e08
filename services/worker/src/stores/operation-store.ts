import type { Keyring } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { ENROLLMENT_FIELDS as F, ExpiringStore, hsetWithTtl } from '../keys.js';

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

/**
 * The upstream operation each enrollment started (kept so a re-run never starts a second one) and the
 * operationId → enrollmentId index the hint consumer needs.
 */
export class OperationStore extends ExpiringStore {
  constructor(
    redis: Redis,
    prefix: string,
    ttlSec: number,
    /** Seals the capture URL (it embeds the OneTimeSecret) under its Redis key; SecretStore opens it. */
    private readonly keyring: Keyring,
  ) {
    super(redis, prefix, ttlSec);
  }

  /**
   * Stores the operation right after the begin call, with the operationId → enrollmentId index the
   * hint consumer needs and (inline transport) the capture URL secret. The three keys live in different
   * Redis Cluster hash slots, so no transaction spans them; the order does the transaction's work instead:
   * the index and the URL first, the operation record last. A crash in between leaves a harmless index or
   * URL (each expires, and a re-run of begin, which finds no record, overwrites them), never an operation
   * without its index or its URL.
   */
  async recordOperation(
    enrollmentId: string,
    record: OperationRecord,
    captureUrl: string | null,
  ): Promise<void> {
    const ttlMs = Math.max(1000, record.expiresAt - Date.now());
    const key = this.keys.stepBook(enrollmentId);
    await this.redis.set(this.keys.operationIndex(record.operationId), enrollmentId, 'EX', this.ttlSec);
    if (captureUrl) {
      const secretKey = this.keys.captureUrlSecret(enrollmentId);
      await this.redis.set(secretKey, this.keyring.sealText(captureUrl, secretKey), 'PX', ttlMs);
    }
    await hsetWithTtl(this.redis, key, this.ttlSec, [
      F.operationId,
      record.operationId,
      F.operationKind,
      record.kind,
      F.operationStartedAt,
      record.startedAt,
      F.operationExpiresAt,
      record.expiresAt,
    ]);
  }

  async operation(enrollmentId: string): Promise<OperationRecord | null> {
    const [operationId, kind, startedAt, expiresAt] = await this.redis.hmget(
      this.keys.stepBook(enrollmentId),
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
}

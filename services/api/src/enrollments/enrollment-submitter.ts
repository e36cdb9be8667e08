import { createHash } from 'node:crypto';
import { TERMINAL_STATUSES } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { ConflictError, UnprocessableError } from '../errors.js';
import { idempotentEnrollmentId, newEnrollmentId, generatedAccountNumber } from '../ids.js';
import type { ApiMetrics } from '../metrics.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { ClaimStore, type Claim, type ClaimResult } from './claims.js';
import type { EnrollmentReader } from './enrollment-reader.js';
import type { RedisKeys } from './keys.js';
import { requestedEvent, storeSelfie, type SelfieStore } from './requested-event.js';
import type { EnrollmentRequest, EnrollmentView } from './schemas.js';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;
// Only a GC bound: whether the account's enrollment is still active is decided from its status, not from the key.
const ACTIVE_ACCOUNT_TTL_SEC = 7 * 24 * 3600;

/** A claim held by a request still running: the client retries after a second. */
const inProgress = (message: string) => new ConflictError('request_in_progress', message, 1);

export type SubmitResult =
  { created: true; id: string } | { created: false; id: string; view: EnrollmentView };

export interface SubmitterOptions {
  /** A claim older than this without an accepted enrollment behind it belongs to a request that died mid-publish. */
  staleClaimMs: number;
}

/**
 * POST /v1/enrollments. Order matters for "nothing claimed as accepted": claims first (so two concurrent requests
 * cannot both create), then publish, then the accepted record; a failed publish releases the claims.
 */
export class EnrollmentSubmitter {
  private readonly claims: ClaimStore;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly reader: EnrollmentReader,
    private readonly publisher: EventPublisher,
    private readonly selfies: SelfieStore,
    private readonly metrics: ApiMetrics,
    private readonly options: SubmitterOptions,
  ) {
    this.claims = new ClaimStore(redis);
  }

  async submit(
    apiKeyId: string,
    request: EnrollmentRequest,
    idempotencyKey: string | undefined,
  ): Promise<SubmitResult> {
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 32);
    const now = Date.now();
    const held: { key: string; value: string }[] = [];
    const releaseAll = () => Promise.all(held.map(({ key, value }) => this.claims.release(key, value)));

    let id: string;
    if (idempotencyKey !== undefined) {
      id = idempotentEnrollmentId(apiKeyId, idempotencyKey);
      const key = this.keys.idempotency(apiKeyId, idempotencyKey);
      const claim = { enrollmentId: id, fingerprint, claimedAtMs: now };
      const result = await this.claims.claim(key, claim, IDEMPOTENCY_TTL_SEC);
      if (!result.claimed) {
        if (result.existing.fingerprint !== fingerprint) {
          throw new UnprocessableError(
            'idempotency_key_reused',
            'This Idempotency-Key was already used with a different request body.',
            [{ field: 'Idempotency-Key', reason: 'reused with a different body' }],
          );
        }
        const existing = await this.reader.view(result.existing.enrollmentId);
        if (existing) return { created: false, id: existing.id, view: existing };
        const taken = await this.takeOverStale(key, result, claim, IDEMPOTENCY_TTL_SEC);
        held.push({ key, value: taken });
      } else {
        held.push({ key, value: result.value });
      }
    } else {
      id = newEnrollmentId();
    }

    try {
      if (request.accountNumber !== undefined) {
        const key = this.keys.activeAccount(request.accountNumber);
        const claim = { enrollmentId: id, fingerprint, claimedAtMs: now };
        const result = await this.claims.claim(key, claim, ACTIVE_ACCOUNT_TTL_SEC);
        if (result.claimed) {
          held.push({ key, value: result.value });
        } else if (result.existing.enrollmentId !== id) {
          const existing = await this.reader.view(result.existing.enrollmentId);
          if (existing && !TERMINAL_STATUSES.has(existing.status)) {
            // The account's enrollment in flight answers this request; the idempotency claim must not point here.
            await releaseAll();
            return { created: false, id: existing.id, view: existing };
          }
          const taken = existing
            ? await this.replaceOrConflict(key, result, claim)
            : await this.takeOverStale(key, result, claim, ACTIVE_ACCOUNT_TTL_SEC);
          held.push({ key, value: taken });
        }
      }

      const selfie = await storeSelfie(this.selfies, request);
      const requestedAt = new Date(now);
      await this.publisher.publish('enrollment', [
        requestedEvent({
          enrollmentId: id,
          request,
          selfie,
          priority: 'interactive',
          correlationId: id,
          requestedAt,
        }),
      ]);
      await this.reader.remember({
        id,
        accountNumber: request.accountNumber ?? generatedAccountNumber(id),
        mode: request.mode,
        createdAt: requestedAt.toISOString(),
      });
    } catch (error) {
      await releaseAll().catch(() => undefined);
      throw error;
    }
    this.metrics.enrollmentsAccepted.inc({ mode: request.mode, source: 'single' });
    return { created: true, id };
  }

  /** The holder of `result` never got its enrollment accepted: once stale, take the claim over; before, 409. */
  private async takeOverStale(
    key: string,
    result: Extract<ClaimResult, { claimed: false }>,
    claim: Claim,
    ttlSec: number,
  ) {
    if (Date.now() - result.existing.claimedAtMs < this.options.staleClaimMs) {
      throw inProgress('An identical request is being processed; retry shortly.');
    }
    const taken = await this.claims.replace(key, result.raw, claim, ttlSec);
    if (taken === null) throw inProgress('A concurrent request took this claim; retry shortly.');
    return taken;
  }

  private async replaceOrConflict(
    key: string,
    result: Extract<ClaimResult, { claimed: false }>,
    claim: Claim,
  ) {
    const taken = await this.claims.replace(key, result.raw, claim, ACTIVE_ACCOUNT_TTL_SEC);
    if (taken === null)
      throw inProgress('A concurrent request for this account is being processed; retry shortly.');
    return taken;
  }
}

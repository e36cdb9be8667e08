import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-keys.js';
import { ConflictError, ForbiddenError, UnprocessableError } from '../errors.js';
import { idempotentEnrollmentId, newEnrollmentId, generatedAccountNumber } from '../ids.js';
import type { ApiMetrics } from '../metrics.js';
import type { EventPublisher } from '../publishing/publisher.js';
import { requestFingerprint, type AdmissionRules, type Held, type Refusal } from './admission.js';
import { ClaimStore, type AdmissionClaim, type ClaimResult } from './claims.js';
import type { EnrollmentQueries } from './enrollment-queries.js';
import type { RedisKeys } from './keys.js';
import { requestedEvent, storeSelfie, type SelfieStore } from './requested-event.js';
import type { EnrollmentRequest, EnrollmentView } from './schemas.js';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;

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
    private readonly reader: EnrollmentQueries,
    private readonly publisher: EventPublisher,
    private readonly selfies: SelfieStore,
    private readonly metrics: ApiMetrics,
    private readonly admission: AdmissionRules,
    private readonly options: SubmitterOptions,
  ) {
    this.claims = new ClaimStore(redis);
  }

  async submit(
    principal: Principal,
    request: EnrollmentRequest,
    idempotencyKey: string | undefined,
  ): Promise<SubmitResult> {
    const fingerprint = requestFingerprint(request);
    const now = Date.now();
    const held: Held[] = [];
    const releaseAll = () => this.admission.release(held);

    let id: string;
    if (idempotencyKey !== undefined) {
      id = idempotentEnrollmentId(principal.keyId, idempotencyKey);
      const key = this.keys.idempotency(principal.tenant, principal.keyId, idempotencyKey);
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
        const existing = await this.reader.find(result.existing.enrollmentId);
        if (existing) return { created: false, id: existing.view.id, view: existing.view };
        const taken = await this.takeOverStale(key, result, claim, IDEMPOTENCY_TTL_SEC);
        held.push({ key, value: taken });
      } else {
        held.push({ key, value: result.value });
      }
    } else {
      id = newEnrollmentId();
    }

    try {
      const admission = await this.admission.admit({ principal, enrollmentId: id, request, fingerprint });
      if (!admission.admitted) {
        // Nothing is created: the idempotency claim must not point at an enrollment that does not exist.
        await releaseAll();
        return this.answerRefusal(admission.refusal, fingerprint);
      }
      held.push(...admission.held);

      const selfie = await storeSelfie(this.selfies, request);
      const requestedAt = new Date(now);
      await this.publisher.publish('enrollmentEvents', [
        requestedEvent({
          enrollmentId: id,
          request,
          selfie,
          priority: 'interactive',
          correlationId: id,
          requestedAt,
          tenant: principal.tenant,
          requestedBy: principal.keyId,
        }),
      ]);
      await this.reader.remember({
        id,
        accountNumber: request.accountNumber ?? generatedAccountNumber(id),
        mode: request.mode,
        createdAt: requestedAt.toISOString(),
        tenant: principal.tenant,
      });
    } catch (error) {
      await releaseAll().catch(() => undefined);
      throw error;
    }
    this.metrics.enrollmentsAccepted.inc({ mode: request.mode, source: 'single' });
    return { created: true, id };
  }

  /** A single request's answer to a refusal: the existing enrollment (200) where that is the same request, else an error. */
  private answerRefusal(refusal: Refusal, fingerprint: string): SubmitResult {
    switch (refusal.code) {
      case 'recapture_forbidden':
        throw new ForbiddenError('enrollments:recapture', refusal.code, refusal.message);
      case 'account_not_owned':
        throw new ConflictError(refusal.code, refusal.message);
      case 'account_active':
        // The account's enrollment in flight answers this request.
        return { created: false, id: refusal.existing.id, view: refusal.existing };
      case 'external_ref_exists':
        if (refusal.existing.fingerprint !== fingerprint) {
          throw new UnprocessableError(
            'external_ref_reused',
            'This externalRef already names another enrollment of your tenant, submitted with a different body.',
            [{ field: 'externalRef', reason: 'reused with a different body' }],
          );
        }
        if (refusal.view) return { created: false, id: refusal.view.id, view: refusal.view };
        throw inProgress('An identical request is being processed; retry shortly.');
      case 'request_in_progress':
        throw inProgress(refusal.message);
    }
  }

  /** The holder of `result` never got its enrollment accepted: once stale, take the claim over; before, 409. */
  private async takeOverStale(
    key: string,
    result: Extract<ClaimResult, { claimed: false }>,
    claim: AdmissionClaim,
    ttlSec: number,
  ) {
    if (Date.now() - result.existing.claimedAtMs < this.options.staleClaimMs) {
      throw inProgress('An identical request is being processed; retry shortly.');
    }
    const taken = await this.claims.replace(key, result.raw, claim, ttlSec);
    if (taken === null) throw inProgress('A concurrent request took this claim; retry shortly.');
    return taken;
  }
}

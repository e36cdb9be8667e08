import { hash } from 'node:crypto';
import { TERMINAL_STATUSES } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-keys.js';
import { ownersAndClaims, type ClaimToTake } from './batch-claims.js';
import { ClaimStore, encodeClaim, type AdmissionClaim, type ClaimResult } from './claims.js';
import type { EnrollmentQueries } from './enrollment-queries.js';
import type { RedisKeys } from './keys.js';
import type { EnrollmentRequest, EnrollmentView } from './schemas.js';

// Only a GC bound: whether the account's enrollment is still active is decided from its status, not from the key.
const ACTIVE_ACCOUNT_TTL_SEC = 7 * 24 * 3600;
/** How long an externalRef names one enrollment of its tenant. */
export const EXTERNAL_REF_TTL_SEC = 24 * 3600;

/**
 * Why a request (or a batch line) is not admitted. A single request answers each with its own status; a batch line
 * is rejected with the code, so both obey exactly the same rules.
 */
export type Refusal =
  /** recapture, or import on an existing account, without the enrollments:recapture scope (403). */
  | { code: 'recapture_forbidden'; message: string }
  /** The account was not created by this tenant, or has no recorded owner (409). */
  | { code: 'account_not_owned'; message: string }
  /** Another enrollment of this tenant for the account is still active (a single request answers it with 200). */
  | { code: 'account_active'; message: string; existing: EnrollmentView }
  /** The tenant's externalRef already names another enrollment (a single request: 200 if identical, else 422). */
  | { code: 'external_ref_exists'; message: string; existing: AdmissionClaim; view: EnrollmentView | null }
  /** A claim is held by a request that is still running (409 with Retry-After). */
  | { code: 'request_in_progress'; message: string };

export interface Held {
  key: string;
  value: string;
}

export type Admission = { admitted: true; held: Held[] } | { admitted: false; refusal: Refusal };

/** sha256 of a request, the claims' fingerprint: tells a retry of the same request from a different one. */
export const requestFingerprint = (request: EnrollmentRequest): string =>
  hash('sha256', JSON.stringify(request), 'hex').slice(0, 32);

export interface Candidate {
  principal: Principal;
  enrollmentId: string;
  request: EnrollmentRequest;
  /** sha256 of the request: tells a retry of the same request from a different one. */
  fingerprint: string;
}

/**
 * The rule on existing accounts, apart from Redis. `owner` is the tenant recorded as the account's creator (null:
 * none recorded, i.e. a new account, or one made before owners were recorded).
 */
export function ownershipRefusal(
  principal: Principal,
  request: EnrollmentRequest,
  owner: string | null,
): Refusal | null {
  const onExisting = request.mode === 'recapture' || (request.mode === 'import' && owner !== null);
  if (onExisting && !principal.scopes.has('enrollments:recapture')) {
    return {
      code: 'recapture_forbidden',
      message: `mode ${request.mode} on an existing account replaces its face credential and needs the scope enrollments:recapture.`,
    };
  }
  // A recapture needs a recorded owner; any other mode only must not touch another tenant's account.
  if (
    (request.mode === 'recapture' && owner !== principal.tenant) ||
    (owner !== null && owner !== principal.tenant)
  ) {
    return {
      code: 'account_not_owned',
      message:
        'This account was not enrolled by your tenant (or has no recorded owner); it cannot be enrolled again here.',
    };
  }
  return null;
}

/**
 * Admission of one enrollment, shared by POST /v1/enrollments and every batch line: the ownership rule, then the
 * tenant's one-active-enrollment-per-account claim, then the tenant's externalRef claim. Claims are taken before
 * the publish so two concurrent requests cannot both create; the caller releases `held` if its publish fails.
 */
export class AdmissionRules {
  private readonly claims: ClaimStore;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly reader: EnrollmentQueries,
    private readonly options: { staleClaimMs: number },
  ) {
    this.claims = new ClaimStore(redis);
  }

  async admit(candidate: Candidate): Promise<Admission> {
    const { principal, request, enrollmentId, fingerprint } = candidate;
    const held: Held[] = [];
    const refuse = async (refusal: Refusal): Promise<Admission> => {
      await this.release(held);
      return { admitted: false, refusal };
    };
    const claim: AdmissionClaim = { enrollmentId, fingerprint, claimedAtMs: Date.now() };

    if (request.accountNumber !== undefined) {
      const owner = await this.redis.get(this.keys.accountOwner(request.accountNumber));
      const refusal = ownershipRefusal(principal, request, owner);
      if (refusal) return refuse(refusal);

      const key = this.keys.activeAccount(principal.tenant, request.accountNumber);
      const result = await this.claims.claim(key, claim, ACTIVE_ACCOUNT_TTL_SEC);
      if (result.claimed) held.push({ key, value: result.value });
      else if (result.existing.enrollmentId !== enrollmentId) {
        const existing = await this.reader.find(result.existing.enrollmentId);
        if (existing && !TERMINAL_STATUSES.has(existing.view.status)) {
          return refuse({
            code: 'account_active',
            message: `Enrollment ${existing.view.id} of this account is still active.`,
            existing: existing.view,
          });
        }
        // The holder finished (a new enrollment may start) or never got accepted (take over once stale).
        const taken = existing
          ? await this.claims.replace(key, result.raw, claim, ACTIVE_ACCOUNT_TTL_SEC)
          : await this.takeOverStale(key, result, claim, ACTIVE_ACCOUNT_TTL_SEC);
        if (taken === null)
          return refuse(inProgress('A concurrent request for this account is being processed.'));
        held.push({ key, value: taken });
      }
    }

    if (request.externalRef !== undefined) {
      const key = this.keys.externalRef(principal.tenant, request.externalRef);
      const result = await this.claims.claim(key, claim, EXTERNAL_REF_TTL_SEC);
      if (result.claimed) held.push({ key, value: result.value });
      else if (result.existing.enrollmentId !== enrollmentId) {
        const existing = await this.reader.find(result.existing.enrollmentId);
        const taken = existing ? null : await this.takeOverStale(key, result, claim, EXTERNAL_REF_TTL_SEC);
        if (taken === null) {
          return refuse({
            code: 'external_ref_exists',
            message: `externalRef already names enrollment ${result.existing.enrollmentId} of your tenant (kept 24 h).`,
            existing: result.existing,
            view: existing?.view ?? null,
          });
        }
        held.push({ key, value: taken });
      }
    }
    return { admitted: true, held };
  }

  /**
   * `admit` for many candidates at once, with the same outcome as admitting them one after the other in order.
   * The common case (no owner conflict, every claim free) costs one round trip per Redis node for the lot
   * (`ownersAndClaims`: on one server one MGET and one script, on a cluster a command per hash slot); a candidate
   * that meets a taken claim gives back what it took and goes through `admit`, in order, afterwards.
   */
  async admitMany(candidates: Candidate[]): Promise<Admission[]> {
    const claimedAtMs = Date.now();
    // Account claims first, then externalRef claims: the two never share a key, so only the order within each
    // (line order) decides which of two candidates takes a claim.
    const accounts: ClaimToTake[] = [];
    const refs: ClaimToTake[] = [];
    const ownerKeys: string[] = [];
    const values = candidates.map(({ principal, request, enrollmentId, fingerprint }) => {
      const value = encodeClaim({ enrollmentId, fingerprint, claimedAtMs });
      if (request.accountNumber !== undefined) {
        const key = this.keys.activeAccount(principal.tenant, request.accountNumber);
        accounts.push({ key, value, ttlSec: ACTIVE_ACCOUNT_TTL_SEC });
        ownerKeys.push(this.keys.accountOwner(request.accountNumber));
      }
      if (request.externalRef !== undefined) {
        const key = this.keys.externalRef(principal.tenant, request.externalRef);
        refs.push({ key, value, ttlSec: EXTERNAL_REF_TTL_SEC });
      }
      return value;
    });
    const claims = [...accounts, ...refs];
    const { owners, taken, failure } = await ownersAndClaims(this.redis, ownerKeys, claims);
    if (failure) {
      await this.release(claims.filter((_, i) => taken[i]));
      throw failure;
    }

    let accountAt = 0;
    let refAt = accounts.length;
    const results: Admission[] = [];
    for (const [i, candidate] of candidates.entries()) {
      const { request, principal } = candidate;
      const value = values[i] as string;
      const held: Held[] = [];
      let free = true;
      let refusal: Refusal | null = null;
      const take = (at: number) => {
        if (taken[at]) held.push({ key: (claims[at] as ClaimToTake).key, value });
        else free = false;
      };
      if (request.accountNumber !== undefined) {
        refusal = ownershipRefusal(principal, request, owners[accountAt] ?? null);
        take(accountAt);
        accountAt += 1;
      }
      if (request.externalRef !== undefined) {
        take(refAt);
        refAt += 1;
      }
      if (refusal === null && free) {
        results.push({ admitted: true, held });
        continue;
      }
      await this.release(held);
      results.push(refusal ? { admitted: false, refusal } : await this.admit(candidate));
    }
    return results;
  }

  async release(held: Held[]): Promise<void> {
    await Promise.all(held.map(({ key, value }) => this.claims.release(key, value)));
  }

  /** A claim whose holder never got its enrollment accepted: once stale it is taken over; before, null. */
  private async takeOverStale(
    key: string,
    result: Extract<ClaimResult, { claimed: false }>,
    claim: AdmissionClaim,
    ttlSec: number,
  ): Promise<string | null> {
    if (Date.now() - result.existing.claimedAtMs < this.options.staleClaimMs) return null;
    return this.claims.replace(key, result.raw, claim, ttlSec);
  }
}

const inProgress = (message: string): Refusal => ({ code: 'request_in_progress', message });

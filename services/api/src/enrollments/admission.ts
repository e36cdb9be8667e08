import { TERMINAL_STATUSES } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-keys.js';
import { ClaimStore, encodeClaim, type Claim, type ClaimResult } from './claims.js';
import type { EnrollmentReader } from './enrollment-reader.js';
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
  | { code: 'external_ref_exists'; message: string; existing: Claim; view: EnrollmentView | null }
  /** A claim is held by a request that is still running (409 with Retry-After). */
  | { code: 'request_in_progress'; message: string };

export interface Held {
  key: string;
  value: string;
}

export type Admission = { admitted: true; held: Held[] } | { admitted: false; refusal: Refusal };

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
    private readonly reader: EnrollmentReader,
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
    const claim: Claim = { enrollmentId, fingerprint, claimedAtMs: Date.now() };

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
   * The common case (no owner conflict, every claim free) costs two commands for the lot (one MGET of the account
   * owners, one script taking every claim in order); a candidate that meets a taken claim gives back what it took
   * and goes through `admit`, in order, afterwards.
   */
  async admitMany(candidates: Candidate[]): Promise<Admission[]> {
    const claimedAtMs = Date.now();
    const plans = candidates.map(({ principal, request, enrollmentId, fingerprint }) => ({
      value: encodeClaim({ enrollmentId, fingerprint, claimedAtMs }),
      claims: [
        ...(request.accountNumber !== undefined
          ? [
              {
                key: this.keys.activeAccount(principal.tenant, request.accountNumber),
                ttl: ACTIVE_ACCOUNT_TTL_SEC,
              },
            ]
          : []),
        ...(request.externalRef !== undefined
          ? [{ key: this.keys.externalRef(principal.tenant, request.externalRef), ttl: EXTERNAL_REF_TTL_SEC }]
          : []),
      ],
    }));
    const accounts = candidates.flatMap(({ request }) =>
      request.accountNumber !== undefined ? [this.keys.accountOwner(request.accountNumber)] : [],
    );
    const owners = accounts.length > 0 ? await this.redis.mget(accounts) : [];
    const keys = plans.flatMap((plan) => plan.claims.map(({ key }) => key));
    const args = plans.flatMap((plan) => plan.claims.flatMap(({ ttl }) => [plan.value, String(ttl)]));
    const taken =
      keys.length > 0 ? ((await this.redis.eval(CLAIM_ALL, keys.length, ...keys, ...args)) as number[]) : [];

    let ownerAt = 0;
    let claimAt = 0;
    const results: Admission[] = [];
    for (const [i, plan] of plans.entries()) {
      const candidate = candidates[i] as Candidate;
      const owner = candidate.request.accountNumber !== undefined ? (owners[ownerAt++] ?? null) : null;
      const held: Held[] = [];
      let free = true;
      for (const { key } of plan.claims) {
        if (taken[claimAt++] === 1) held.push({ key, value: plan.value });
        else free = false;
      }
      const refusal =
        candidate.request.accountNumber !== undefined
          ? ownershipRefusal(candidate.principal, candidate.request, owner)
          : null;
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
    claim: Claim,
    ttlSec: number,
  ): Promise<string | null> {
    if (Date.now() - result.existing.claimedAtMs < this.options.staleClaimMs) return null;
    return this.claims.replace(key, result.raw, claim, ttlSec);
  }
}

// SET NX of every KEYS[i] to ARGV[2i-1] for ARGV[2i] seconds, in order; 1 where taken, 0 where already held.
const CLAIM_ALL = `local taken = {}
for i, key in ipairs(KEYS) do
  taken[i] = redis.call('SET', key, ARGV[2 * i - 1], 'EX', ARGV[2 * i], 'NX') and 1 or 0
end
return taken`;

const inProgress = (message: string): Refusal => ({ code: 'request_in_progress', message });

// AdmissionRules.admitMany takes a batch chunk's claims in one round trip per Redis node: on one server one MGET
// and one script, on a Redis Cluster (`npm run test:cluster -- services/api/test/admission-slots.test.ts`) a
// command per hash slot, pipelined per node. Either way the outcome is that of admitting the lines one by one.
import { groupBySlot } from '@verified-onboard/adapters';
import { deleteKeysWithPrefix, isolatedNames, redisClient, testInfra } from '@verified-onboard/devstack';
import type { Cluster } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Principal, Scope } from '../src/auth/api-keys.js';
import {
  AdmissionRules,
  requestFingerprint,
  type Admission,
  type Candidate,
} from '../src/enrollments/admission.js';
import type { EnrollmentQueries } from '../src/enrollments/enrollment-queries.js';
import { redisKeys } from '../src/enrollments/keys.js';
import { enrollmentRequestSchema } from '../src/enrollments/schemas.js';

const names = isolatedNames('admission-slots');
const redis = redisClient(testInfra().redisUrl);
afterAll(async () => {
  await deleteKeysWithPrefix(redis, names.keyPrefix);
  await redis.quit();
});

const principal: Principal = { keyId: 'k1', tenant: 'acme', scopes: new Set<Scope>(['enrollments:write']) };
// No enrollment is in the read model: a claim held by another line is "in progress" (never stale here).
const reader = { find: () => Promise.resolve(null) } as unknown as EnrollmentQueries;

function rules(namespace: string): AdmissionRules {
  return new AdmissionRules(redis, redisKeys(namespace), reader, { staleClaimMs: 60_000 });
}

function candidate(line: number, accountNumber: string | undefined, externalRef?: string): Candidate {
  const request = enrollmentRequestSchema.parse({
    displayName: `Person ${line}`,
    accountNumber,
    externalRef,
  });
  return { principal, enrollmentId: `e-${line}`, request, fingerprint: requestFingerprint(request) };
}

/** An admission with the namespace taken out of its keys, to compare two namespaces' outcomes. */
const outcome = (namespace: string) => (admission: Admission) =>
  admission.admitted
    ? { admitted: true, held: admission.held.map((h) => h.key.replace(namespace, '')) }
    : { admitted: false, code: admission.refusal.code };

// 200 lines: most with an account and a reference; every 10th repeats an earlier line's account, every 15th an
// earlier reference, every 25th has only a reference; one account is owned by another tenant.
const lines = Array.from({ length: 200 }, (_, i) => {
  const account = i % 25 === 24 ? undefined : i % 10 === 9 ? `acct-${i - 5}` : `acct-${i}`;
  return candidate(i, account, i % 15 === 14 ? `ref-${i - 7}` : `ref-${i}`);
});

describe('AdmissionRules.admitMany', () => {
  it('decides every line as one-by-one admission does, in one round trip per Redis node', async () => {
    const batch = `${names.queuePrefix}:batch`;
    const single = `${names.queuePrefix}:single`;
    for (const namespace of [batch, single])
      await redis.set(redisKeys(namespace).accountOwner('acct-42'), 'other-tenant');

    const cluster = (redis as { isCluster?: boolean }).isCluster === true;
    const nodes = cluster ? (redis as unknown as Cluster).nodes('master').length : 1;
    const claimKeys = lines.flatMap((c) => [c.request.accountNumber, c.request.externalRef]);
    if (cluster)
      expect(
        groupBySlot(
          redis,
          claimKeys.filter((k) => k !== undefined),
        ).length,
      ).toBeGreaterThan(100);

    const pipelines = vi.spyOn(redis, 'pipeline');
    const direct = [vi.spyOn(redis, 'mget'), vi.spyOn(redis, 'eval')];
    // The free lines alone: nothing to redo one by one, so nothing but the pipelines reaches Redis.
    const free = lines.filter(
      (c, i) => i % 10 !== 9 && i % 15 !== 14 && c.request.accountNumber !== 'acct-42',
    );
    const freeAdmissions = await rules(batch).admitMany(free);
    expect(freeAdmissions.every((a) => a.admitted)).toBe(true);
    expect(pipelines.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(pipelines.mock.calls.length).toBeLessThanOrEqual(nodes);
    for (const spy of direct) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    const freeKeys = freeAdmissions.flatMap((a) => (a.admitted ? a.held.map((h) => h.key) : []));
    await Promise.all(freeKeys.map((key) => redis.del(key)));

    const many = await rules(batch).admitMany(lines);
    const oneByOne: Admission[] = [];
    for (const c of lines) oneByOne.push(await rules(single).admit(c));
    expect(many.map(outcome(batch))).toEqual(oneByOne.map(outcome(single)));
    const refusals = new Set(many.flatMap((a) => (a.admitted ? [] : [a.refusal.code])));
    expect(refusals).toEqual(new Set(['request_in_progress', 'external_ref_exists', 'account_not_owned']));
    // The refused lines gave back what they took: only the admitted lines' claims remain.
    const held = many.flatMap((a) => (a.admitted ? a.held.map((h) => h.key) : []));
    const present = await Promise.all(
      lines
        .flatMap((c) => [
          c.request.accountNumber && redisKeys(batch).activeAccount('acme', c.request.accountNumber),
          c.request.externalRef && redisKeys(batch).externalRef('acme', c.request.externalRef),
        ])
        .filter((key): key is string => typeof key === 'string')
        .map(async (key) => ((await redis.exists(key)) === 1 ? key : null)),
    );
    expect(new Set(present.filter((k) => k !== null))).toEqual(new Set(held));
  });
});

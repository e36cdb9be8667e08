import { EVENT_TYPES } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEnrollmentSchema } from '../src/enrollments/schemas.js';
import { batchEnrollmentId } from '../src/ids.js';
import { batchAcceptedSchema } from '../src/routes/batches.js';
import type { Collector } from './support/collector.js';
import {
  apiKeysSpec,
  bearer,
  bodyOf,
  errorOf,
  messageCount,
  startTestApp,
  type TestApp,
} from './support/harness.js';

const KEYS = {
  writer: {
    id: 'acme-writer',
    secret: 'acme-writer-secret-0123456789abcdef0123',
    scopes: 'enrollments:write+enrollments:read@acme',
  },
  recapturer: {
    id: 'acme-recapturer',
    secret: 'acme-recapturer-secret-0123456789abcdef',
    scopes: 'enrollments:write+enrollments:read+enrollments:recapture@acme',
  },
  globex: {
    id: 'globex-recapturer',
    secret: 'globex-recapturer-secret-0123456789abcd',
    scopes: 'enrollments:write+enrollments:read+enrollments:recapture@globex',
  },
} as const;
const writer = bearer(KEYS.writer);
const recapturer = bearer(KEYS.recapturer);
const globex = bearer(KEYS.globex);

let t: TestApp;
let collector: Collector;

beforeAll(async () => {
  t = await startTestApp('recapture-recovery', {
    env: {
      API_KEYS: apiKeysSpec(KEYS),
    },
  });
  collector = await t.collect(t.topics.enrollmentEvents);
});
afterAll(async () => t?.close());

const enroll = (headers: Record<string, string>, payload: object) =>
  t.post('/v1/enrollments', payload, headers);
const batch = (headers: Record<string, string>, lines: object[], extra: Record<string, string> = {}) =>
  t.post('/v1/enrollments/batch', lines.map((line) => JSON.stringify(line)).join('\n'), {
    ...headers,
    'content-type': 'application/x-ndjson',
    ...extra,
  });
/** An account the worker recorded as created by `tenant`. */
const ownedAccount = async (account: string, tenant: string) => {
  await t.redis.set(t.keys.accountOwner(account), tenant);
  return account;
};
const selfie = { data: Buffer.from('a face').toString('base64') };
const published = () => messageCount(t.kafka, t.topics.enrollmentEvents);

describe('recapture and import on existing accounts', () => {
  it('recapture needs the enrollments:recapture scope (403 recapture_forbidden)', async () => {
    const account = await ownedAccount('acct-scope', 'acme');
    const res = await enroll(writer, { displayName: 'A', accountNumber: account, mode: 'recapture' });
    expect(res.statusCode).toBe(403);
    expect(errorOf(res).code).toBe('recapture_forbidden');
    const importing = await enroll(writer, {
      displayName: 'A',
      accountNumber: account,
      mode: 'import',
      selfie,
    });
    expect(importing.statusCode).toBe(403);
    expect(errorOf(importing).code).toBe('recapture_forbidden');
  });

  it("recapture only on an account the same tenant enrolled: another tenant's or one without an owner is 409", async () => {
    const theirs = await ownedAccount('acct-theirs', 'globex');
    const foreign = await enroll(recapturer, { displayName: 'A', accountNumber: theirs, mode: 'recapture' });
    expect(foreign.statusCode).toBe(409);
    expect(errorOf(foreign).code).toBe('account_not_owned');
    // Accounts from before owners were recorded have none: refused until an operator records one.
    const legacy = await enroll(recapturer, {
      displayName: 'A',
      accountNumber: 'acct-legacy',
      mode: 'recapture',
    });
    expect(errorOf(legacy).code).toBe('account_not_owned');
    // Another tenant's account is not theirs for a capture either.
    const capture = await enroll(recapturer, { displayName: 'A', accountNumber: theirs });
    expect(errorOf(capture).code).toBe('account_not_owned');

    const mine = await ownedAccount('acct-mine', 'acme');
    const ok = await enroll(recapturer, { displayName: 'A', accountNumber: mine, mode: 'recapture' });
    expect(ok.statusCode).toBe(202);
    const own = await enroll(globex, { displayName: 'A', accountNumber: theirs, mode: 'recapture' });
    expect(own.statusCode).toBe(202);
  });

  it('import on a new account needs no recapture scope', async () => {
    const res = await enroll(writer, {
      displayName: 'A',
      accountNumber: 'acct-new-import',
      mode: 'import',
      selfie,
    });
    expect(res.statusCode).toBe(202);
  });

  it('batch lines obey the same claims as single requests, rejected per line', async () => {
    const active = bodyOf(
      await enroll(writer, { displayName: 'A', accountNumber: 'acct-busy' }),
      acceptedEnrollmentSchema,
    );
    const theirs = await ownedAccount('acct-batch-theirs', 'globex');
    const mine = await ownedAccount('acct-batch-mine', 'acme');
    const res = await batch(writer, [
      { displayName: 'busy', accountNumber: 'acct-busy' },
      { displayName: 'recapture', accountNumber: mine, mode: 'recapture' },
      { displayName: 'foreign', accountNumber: theirs },
      { displayName: 'first', accountNumber: 'acct-twice' },
      { displayName: 'second', accountNumber: 'acct-twice' },
      { displayName: 'fine', accountNumber: 'acct-fine' },
    ]);
    const result = bodyOf(res, batchAcceptedSchema);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.line, r.code, r.field])).toEqual([
      [1, 'account_active', 'accountNumber'],
      [2, 'recapture_forbidden', 'mode'],
      [3, 'account_not_owned', 'accountNumber'],
      [5, 'account_active', 'accountNumber'],
    ]);
    // The single request's enrollment keeps the account; the batch did not take it over.
    const again = await enroll(writer, { displayName: 'A', accountNumber: 'acct-busy' });
    expect(bodyOf(again, acceptedEnrollmentSchema).id).toBe(active.id);
  });
});

describe('externalRef deduplicates within a tenant for 24 h', () => {
  it('a single POST: identical body 200 with the first enrollment, a different body 422, another tenant its own', async () => {
    const body = { displayName: 'Ref', externalRef: 'crm-7' };
    const before = await published();
    const first = await enroll(writer, body);
    expect(first.statusCode).toBe(202);
    const { id } = bodyOf(first, acceptedEnrollmentSchema);
    const retry = await enroll(writer, body);
    expect(retry.statusCode).toBe(200);
    expect(bodyOf(retry, acceptedEnrollmentSchema).id).toBe(id);
    const changed = await enroll(writer, { ...body, displayName: 'Someone else' });
    expect(changed.statusCode).toBe(422);
    expect(errorOf(changed)).toMatchObject({
      code: 'external_ref_reused',
      details: [{ field: 'externalRef', reason: 'reused with a different body' }],
    });
    const elsewhere = await enroll(globex, body);
    expect(elsewhere.statusCode).toBe(202);
    expect(bodyOf(elsewhere, acceptedEnrollmentSchema).id).not.toBe(id);
    // One enrollment per tenant was published, nothing for the retry or the refused body.
    expect((await published()) - before).toBe(2);
  });

  it('a batch line whose externalRef already made an enrollment is rejected external_ref_exists', async () => {
    await enroll(writer, { displayName: 'Ref', externalRef: 'crm-8' });
    const res = await batch(writer, [
      { displayName: 'Ref', externalRef: 'crm-8' },
      { displayName: 'New', externalRef: 'crm-9' },
      { displayName: 'Dup', externalRef: 'crm-9' },
    ]);
    const result = bodyOf(res, batchAcceptedSchema);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => [r.line, r.code, r.field])).toEqual([
      [1, 'external_ref_exists', 'externalRef'],
      [3, 'external_ref_exists', 'externalRef'],
    ]);
  });
});

describe('X-Batch-Id recovery', () => {
  it('resubmitting with the issued X-Batch-Id resumes that batch: same enrollment ids, nothing published twice', async () => {
    const lines = [1, 2, 3, 4].map((i) => ({
      displayName: `P${i}`,
      accountNumber: `acct-resume-${i}`,
      externalRef: `run-${i}`,
    }));
    const before = await published();
    // The first attempt got only two lines through (as when the connection dropped after them).
    const first = bodyOf(await batch(writer, lines.slice(0, 2)), batchAcceptedSchema);
    expect(first.accepted).toBe(2);
    const resumed = await batch(writer, lines, { 'x-batch-id': first.batchId });
    expect(resumed.statusCode).toBe(202);
    expect(resumed.headers['x-batch-id']).toBe(first.batchId);
    expect(bodyOf(resumed, batchAcceptedSchema)).toMatchObject({
      batchId: first.batchId,
      accepted: 4,
      rejectedCount: 0,
    });
    const again = await batch(writer, lines, { 'x-batch-id': first.batchId });
    expect(bodyOf(again, batchAcceptedSchema)).toMatchObject({ accepted: 4, rejectedCount: 0 });
    // Every publish is acknowledged before the 202: the topic holds all there will be.
    expect((await published()) - before).toBe(4);
    const events = await collector.atLeast(4, EVENT_TYPES.requested, (e) => e.data.batchId === first.batchId);
    expect(events.map((e) => e.subject).sort()).toEqual(
      [1, 2, 3, 4].map((line) => batchEnrollmentId(first.batchId, line)).sort(),
    );
  });

  it('an unknown or foreign X-Batch-Id is 404 batch_not_found; one that is not a batch id is 400', async () => {
    const mine = bodyOf(await batch(writer, [{ displayName: 'x' }]), batchAcceptedSchema);
    const foreign = await batch(globex, [{ displayName: 'x' }], { 'x-batch-id': mine.batchId });
    const unknown = await batch(writer, [{ displayName: 'x' }], {
      'x-batch-id': '00000000-0000-4000-8000-000000000000',
    });
    for (const res of [foreign, unknown]) {
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).code).toBe('batch_not_found');
    }
    const notAnId = await batch(writer, [{ displayName: 'x' }], { 'x-batch-id': 'nightly-2024-05-01' });
    expect(notAnId.statusCode).toBe(400);
    expect(errorOf(notAnId)).toMatchObject({ code: 'invalid_batch_id' });
  });
});

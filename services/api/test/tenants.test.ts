import { EVENT_TYPES } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEnrollmentSchema, enrollmentViewSchema } from '../src/enrollments/schemas.js';
import { batchAcceptedSchema, batchStatusSchema } from '../src/routes/batches.js';
import type { Collector } from './support/collector.js';
import { projectCaptureStarted } from './support/events.js';
import { apiKeysSpec, bearer, bodyOf, errorOf, startTestApp, type TestApp } from './support/harness.js';

/** Two tenants with the same scopes, and the operator. */
const TENANT_KEYS = {
  acme: {
    id: 'acme',
    secret: 'acme-secret-0123456789abcdef0123456789',
    scopes: 'enrollments:write+enrollments:read@acme',
  },
  globex: {
    id: 'globex',
    secret: 'globex-secret-0123456789abcdef012345678',
    scopes: 'enrollments:write+enrollments:read@globex',
  },
  operator: {
    id: 'operator',
    secret: 'operator-secret-0123456789abcdef0123456',
    scopes: 'enrollments:read+ops',
  },
} as const;
const acme = bearer(TENANT_KEYS.acme);
const globex = bearer(TENANT_KEYS.globex);
const operator = bearer(TENANT_KEYS.operator);

let t: TestApp;
let collector: Collector;

beforeAll(async () => {
  t = await startTestApp('tenants', {
    env: {
      API_KEYS: apiKeysSpec(TENANT_KEYS),
    },
  });
  collector = await t.collect(t.topics.enrollmentEvents);
});
afterAll(async () => t?.close());

const enroll = (headers: Record<string, string>, payload: object) =>
  t.post('/v1/enrollments', payload, headers);
const enrolled = async (headers: Record<string, string>, payload: object) =>
  bodyOf(await enroll(headers, payload), acceptedEnrollmentSchema);
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** The error a request for an id answers, with the id itself replaced, so a foreign and an unknown id compare equal. */
const notFoundBody = async (url: string, id: string, headers: Record<string, string>, post = false) => {
  const res = post ? await t.post(url, {}, headers) : await t.get(url, headers);
  expect(res.statusCode).toBe(404);
  return JSON.stringify(errorOf(res)).replaceAll(id, '<id>');
};

describe('tenants', () => {
  it('the requested event names the tenant and the key that submitted it', async () => {
    const { id } = await enrolled(acme, { displayName: 'Ada' });
    const event = await collector.first(EVENT_TYPES.requested, id);
    expect(event.data).toMatchObject({ tenant: 'acme', requestedBy: 'acme' });
  });

  it("another tenant's enrollment, its events and its hint answer 404 exactly like an unknown id", async () => {
    const { id } = await enrolled(acme, { displayName: 'Grace', accountNumber: 'acct-private' });
    for (const [url, post] of [
      [`/v1/enrollments/${id}`, false],
      [`/v1/enrollments/${id}/events`, false],
      [`/v1/enrollments/${id}/capture-finished`, true],
    ] as const) {
      const foreign = await notFoundBody(url, id, globex, post);
      const unknown = await notFoundBody(url.replace(id, UNKNOWN_ID), UNKNOWN_ID, globex, post);
      expect(foreign).toBe(unknown);
    }
    expect((await t.get(`/v1/enrollments/${id}`, acme)).statusCode).toBe(200);
    expect((await t.get(`/v1/enrollments/${id}/events`, acme)).statusCode).toBe(200);
  });

  it('the capture URL goes only to the owning tenant; the operator reads the enrollment without it', async () => {
    const { id } = await enrolled(acme, { displayName: 'Linus', accountNumber: 'acct-url' });
    await projectCaptureStarted(t.readModel, await collector.first(EVENT_TYPES.requested, id), 'op-url');
    // The read model keeps the owner beside the record, readable without unpacking it.
    expect(await t.redis.hget(t.readModel.key(id), 'tenant')).toBe('acme');
    const url = 'http://verified.test/?i=op-url&s=one-time-secret';
    await t.storeCaptureUrl(id, url);

    const own = bodyOf(await t.get(`/v1/enrollments/${id}`, acme), enrollmentViewSchema);
    expect(own).toMatchObject({ status: 'capture_pending', captureUrl: url });
    const asOperator = await t.get(`/v1/enrollments/${id}`, operator);
    expect(asOperator.statusCode).toBe(200);
    expect(bodyOf(asOperator, enrollmentViewSchema)).toMatchObject({ id, status: 'capture_pending' });
    expect(asOperator.body).not.toContain('one-time-secret');
    // Projected now: the read model, not only the accepted record, decides.
    expect((await t.get(`/v1/enrollments/${id}`, globex)).statusCode).toBe(404);
    expect((await t.get(`/v1/enrollments/${id}/events`, globex)).statusCode).toBe(404);
  });

  it("a batch is its tenant's: another tenant gets 404 for its progress and cannot resume it", async () => {
    const res = await t.post('/v1/enrollments/batch', '{"displayName":"A"}\n{"displayName":"B"}\n', {
      ...acme,
      'content-type': 'application/x-ndjson',
    });
    const { batchId } = bodyOf(res, batchAcceptedSchema);
    const progress = bodyOf(await t.get(`/v1/batches/${batchId}`, acme), batchStatusSchema);
    expect(progress.total).toBe(2);
    expect((await t.get(`/v1/batches/${batchId}`, operator)).statusCode).toBe(200);

    const foreign = await notFoundBody(`/v1/batches/${batchId}`, batchId, globex);
    expect(foreign).toBe(await notFoundBody(`/v1/batches/${UNKNOWN_ID}`, UNKNOWN_ID, globex));
    const resume = await t.post('/v1/enrollments/batch', '{"displayName":"A"}\n', {
      ...globex,
      'content-type': 'application/x-ndjson',
      'x-batch-id': batchId,
    });
    expect(resume.statusCode).toBe(404);
    expect(errorOf(resume).code).toBe('batch_not_found');
  });

  it("the one-active-enrollment claim is per tenant: nobody is handed another tenant's enrollment", async () => {
    const first = await enrolled(acme, { displayName: 'Shared', accountNumber: 'acct-shared' });
    const other = await enroll(globex, { displayName: 'Shared', accountNumber: 'acct-shared' });
    expect(other.statusCode).toBe(202);
    const second = bodyOf(other, acceptedEnrollmentSchema);
    expect(second.id).not.toBe(first.id);
    // Within a tenant the claim still answers with the enrollment in flight.
    const again = await enroll(acme, { displayName: 'Shared', accountNumber: 'acct-shared' });
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again, acceptedEnrollmentSchema).id).toBe(first.id);
    const globexAgain = await enroll(globex, { displayName: 'Shared', accountNumber: 'acct-shared' });
    expect(bodyOf(globexAgain, acceptedEnrollmentSchema).id).toBe(second.id);
  });

  it('idempotency keys are per tenant too: the same key names two enrollments in two tenants', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const mine = await enrolled({ ...acme, ...headers }, { displayName: 'Idem' });
    const theirs = await enrolled({ ...globex, ...headers }, { displayName: 'Idem' });
    expect(theirs.id).not.toBe(mine.id);
    expect(await t.redis.exists(t.keys.idempotency('acme', 'acme', 'order-42'))).toBe(1);
    expect(await t.redis.exists(t.keys.idempotency('globex', 'globex', 'order-42'))).toBe(1);
  });
});

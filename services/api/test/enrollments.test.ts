import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EVENT_TYPES, Keyring } from '@verified-onboard/events';
import { SelfieVault } from '@verified-onboard/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEnrollmentSchema, enrollmentViewSchema } from '../src/enrollments/schemas.js';
import { enrollmentEventsSchema } from '../src/routes/enrollments.js';
import type { Collector } from './support/collector.js';
import { projectCaptureCompleted, projectCaptureStarted } from './support/events.js';
import { AUTH, bearer, bodyOf, errorOf, KEYS, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let collector: Collector;

beforeAll(async () => {
  t = await startTestApp('enrollments');
  collector = await t.collect(t.topics.enrollmentEvents, t.topics.hints);
});
afterAll(async () => t?.close());

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const enroll = (payload: unknown, headers: Record<string, string> = {}) =>
  t.post('/v1/enrollments', payload as object, { ...AUTH, ...headers });
const accepted = (res: Awaited<ReturnType<typeof enroll>>) => bodyOf(res, acceptedEnrollmentSchema);
const view = async (id: string) => bodyOf(await t.get(`/v1/enrollments/${id}`), enrollmentViewSchema);
const requestedOf = (id: string) => collector.first(EVENT_TYPES.requested, id);

describe('POST /v1/enrollments', () => {
  it('answers 202 after enrollment.requested is on Kafka (interactive priority, generated opaque account number)', async () => {
    const res = await enroll({ displayName: 'Ada Lovelace', externalRef: 'crm-1' });
    expect(res.statusCode).toBe(202);
    const body = accepted(res);
    expect(body).toMatchObject({ status: 'requested', links: { self: `/v1/enrollments/${body.id}` } });
    expect(res.headers.location).toBe(`/v1/enrollments/${body.id}`);
    const event = await requestedOf(body.id);
    expect(event.key).toBe(body.id);
    expect(event.sequence).toBe(1);
    expect(event.data).toMatchObject({
      enrollmentId: body.id,
      accountNumberGenerated: true,
      transport: 'inline',
      checkLiveness: true,
      timeoutSec: 3600,
      mode: 'capture',
      priority: 'interactive',
      externalRef: 'crm-1',
    });
    expect(event.data.accountNumber).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a 202 is always followed by a readable GET (status requested before projection)', async () => {
    const { id } = accepted(await enroll({ displayName: 'Grace', accountNumber: 'acct-readable' }));
    const res = await t.get(`/v1/enrollments/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'requested',
      accountNumber: 'acct-readable',
      mode: 'capture',
      version: 0,
    });
    expect((await t.get(`/v1/enrollments/${id}/events`)).json()).toEqual({ events: [] });
  });

  it('answers from the read model once projected, with the capture URL only while capture_pending and inline', async () => {
    const { id } = accepted(await enroll({ displayName: 'Linus', accountNumber: 'acct-capture' }));
    const started = await projectCaptureStarted(t.readModel, await requestedOf(id), 'op-1');
    const url = 'http://verified.test/?i=op-1&s=one-time-secret';
    await t.storeCaptureUrl(id, url);

    expect(await view(id)).toMatchObject({
      id,
      status: 'capture_pending',
      operationId: 'op-1',
      captureUrl: url,
      version: 2,
    });

    const { events } = bodyOf(await t.get(`/v1/enrollments/${id}/events`), enrollmentEventsSchema);
    expect(events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'enrollment.requested.v1'],
      [2, 'enrollment.capture_started.v1'],
    ]);

    // A URL kept in clear (before sealing) or sealed under another key is treated as absent, never as an error.
    await t.redis.set(t.keys.captureUrl(id), url, 'EX', 60);
    const plaintext = await t.get(`/v1/enrollments/${id}`);
    expect(plaintext.statusCode).toBe(200);
    expect(bodyOf(plaintext, enrollmentViewSchema).captureUrl).toBeUndefined();
    const otherRing = Keyring.from({ legacyKey: randomBytes(32) });
    await t.redis.set(t.keys.captureUrl(id), otherRing.sealText(url, t.keys.captureUrl(id)), 'EX', 60);
    expect((await view(id)).captureUrl).toBeUndefined();

    await projectCaptureCompleted(t.readModel, started, 2, 'no');
    const rejected = await view(id);
    expect(rejected.status).toBe('rejected');
    expect(rejected.captureUrl).toBeUndefined();
  });

  it('an Idempotency-Key returns the same enrollment (200) and refuses a different body (422)', async () => {
    const headers = { 'idempotency-key': 'req-42' };
    const first = await enroll({ displayName: 'Idem' }, headers);
    expect(first.statusCode).toBe(202);
    const second = await enroll({ displayName: 'Idem' }, headers);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const reused = await enroll({ displayName: 'Someone else' }, headers);
    expect(reused.statusCode).toBe(422);
    expect(errorOf(reused).code).toBe('idempotency_key_reused');
    // Another API key using the same Idempotency-Key is another request.
    const other = await enroll({ displayName: 'Idem' }, { ...headers, ...bearer(KEYS.writer) });
    expect(other.statusCode).toBe(202);
    const firstId = accepted(first).id;
    expect(accepted(other).id).not.toBe(firstId);
    await requestedOf(firstId);
    expect(collector.events.filter((e) => e.subject === firstId)).toHaveLength(1);
  });

  it('the same accountNumber with an active enrollment returns it; once terminal a new one is created', async () => {
    const first = await enroll({ displayName: 'Active', accountNumber: 'acct-active' });
    expect(first.statusCode).toBe(202);
    const { id } = accepted(first);
    const again = await enroll({ displayName: 'Active again', accountNumber: 'acct-active' });
    expect(again.statusCode).toBe(200);
    expect(accepted(again).id).toBe(id);

    const started = await projectCaptureStarted(t.readModel, await requestedOf(id), 'op-2');
    await projectCaptureCompleted(t.readModel, started, 3, null);

    const fresh = await enroll({ displayName: 'Active', accountNumber: 'acct-active' });
    expect(fresh.statusCode).toBe(202);
    expect(accepted(fresh).id).not.toBe(id);
  });

  it('import: the selfie is stored encrypted and only its reference and digest travel on Kafka', async () => {
    const image = Buffer.from('fake-jpeg-bytes-'.repeat(100)).toString('base64');
    const res = await enroll({
      displayName: 'Imported',
      accountNumber: 'acct-import',
      mode: 'import',
      selfie: { data: image },
    });
    expect(res.statusCode).toBe(202);
    const event = await requestedOf(accepted(res).id);
    const selfie = event.data.selfie;
    assert.ok(selfie);
    expect(selfie.dataType).toBe(1);
    expect(JSON.stringify(event)).not.toContain(image.slice(0, 40));
    // The vault names its keys privately: find the one stored under this app's prefix for this ref.
    const [key, ...others] = await t.keysNaming(selfie.ref);
    assert.ok(key);
    expect(others).toEqual([]);
    const raw = await t.redis.getBuffer(key);
    assert.ok(raw);
    expect(raw.includes(Buffer.from('fake-jpeg-bytes'))).toBe(false);
    expect(await t.redis.ttl(key)).toBeGreaterThan(3600);
    const vault = new SelfieVault(t.redis, {
      prefix: `${t.config.keyPrefix}:`,
      key: Keyring.from(t.config.keyring),
    });
    expect(await vault.get(selfie.ref, selfie.digest)).toBe(image);
  });

  it('validation: 400 with one detail per field', async () => {
    const res = await enroll({
      accountNumber: 'has spaces/and slashes',
      displayName: '',
      transport: 'sms',
      timeoutSec: 10,
      mode: 'recapture',
      color: 'blue',
    });
    expect(res.statusCode).toBe(400);
    const error = errorOf(res);
    expect(error.code).toBe('validation_failed');
    const fields = error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['accountNumber', 'color', 'displayName', 'phoneNumber', 'timeoutSec']);
    expect(error.details).toContainEqual({ field: 'phoneNumber', reason: 'required for transport sms' });
    expect(error.details).toContainEqual({ field: 'color', reason: 'unknown field' });
    const rules = await enroll({ displayName: 'X', transport: 'email', mode: 'recapture' });
    expect(errorOf(rules).details).toEqual([
      { field: 'email', reason: 'required for transport email' },
      { field: 'accountNumber', reason: 'required for mode recapture (the account must exist)' },
    ]);
    const imports = await enroll({ displayName: 'X', mode: 'import' });
    expect(errorOf(imports).details).toEqual([{ field: 'selfie', reason: 'required for mode import' }]);
    const selfieOnCapture = await enroll({ displayName: 'X', selfie: { data: 'aGk=' } });
    expect(errorOf(selfieOnCapture).details).toEqual([
      { field: 'selfie', reason: 'only allowed for mode import' },
    ]);
    const notJson = await t.post('/v1/enrollments', '{nope', { ...AUTH, 'content-type': 'application/json' });
    expect(notJson.statusCode).toBe(400);
    expect(errorOf(notJson).code).toBe('invalid_body');
  });

  it('401 without or with a bad key, 403 without the scope, 415 for other content types, 413 beyond the JSON limit', async () => {
    type Response = Awaited<ReturnType<typeof enroll>>;
    const refusals: [() => Promise<Response>, number, string][] = [
      [() => t.post('/v1/enrollments', { displayName: 'X' }, {}), 401, 'unauthenticated'],
      [
        () => enroll({ displayName: 'X' }, { authorization: 'Bearer all:wrong-secret' }),
        401,
        'invalid_api_key',
      ],
      [() => enroll({ displayName: 'X' }, bearer(KEYS.reader)), 403, 'forbidden'],
      [
        () => t.post('/v1/enrollments', 'hello', { ...AUTH, 'content-type': 'text/plain' }),
        415,
        'unsupported_media_type',
      ],
      [
        () =>
          enroll({
            displayName: 'X',
            mode: 'import',
            selfie: { data: 'A'.repeat(t.config.jsonBodyLimitBytes + 10) },
          }),
        413,
        'payload_too_large',
      ],
    ];
    for (const [request, status, code] of refusals) {
      const res = await request();
      expect([res.statusCode, errorOf(res).code]).toEqual([status, code]);
    }
    const viaHeader = await t.post(
      '/v1/enrollments',
      { displayName: 'Header key' },
      { 'x-api-key': `${KEYS.all.id}:${KEYS.all.secret}` },
    );
    expect(viaHeader.statusCode).toBe(202);
  });
});

describe('reads and hints', () => {
  it('404 for unknown enrollments, 400 for malformed ids, 403 for a key without read scope', async () => {
    const unknown = await t.get(`/v1/enrollments/${UNKNOWN_ID}`);
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).code).toBe('not_found');
    expect((await t.get(`/v1/enrollments/${UNKNOWN_ID}/events`)).statusCode).toBe(404);
    expect((await t.get('/v1/enrollments/not-a-uuid')).statusCode).toBe(400);
    const noRoute = await t.get('/v2/nothing');
    expect(noRoute.statusCode).toBe(404);
    expect(errorOf(noRoute).code).toBe('route_not_found');
  });

  it('capture-finished publishes the hint (202) for a known enrollment, 404 otherwise', async () => {
    const { id } = accepted(await enroll({ displayName: 'Hint' }));
    const url = `/v1/enrollments/${id}/capture-finished`;
    const res = await t.post(url, { pageName: 'verifiedMatchSuccess', success: true });
    expect(res.statusCode).toBe(202);
    const hint = await collector.first(EVENT_TYPES.captureFinished, id);
    expect(hint.topic).toBe(t.topics.hints);
    expect(hint.key).toBe(id);
    expect(hint.data).toMatchObject({ enrollmentId: id, pageName: 'verifiedMatchSuccess', success: true });
    const noBody = await t.post(url);
    expect(noBody.statusCode).toBe(202);
    expect(noBody.json()).toEqual({ id, hint: 'published' });
    const unknown = await t.post(`/v1/enrollments/${UNKNOWN_ID}/capture-finished`, {});
    expect(unknown.statusCode).toBe(404);
  });
});

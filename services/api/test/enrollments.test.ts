import { createEvent, SelfieVault, type EnrollmentEvent, type EventEnvelope } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, bearer, collectEvents, KEYS, startTestApp, waitFor, type TestApp } from './support/harness.js';

let t: TestApp;
let collector: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  t = await startTestApp('enrollments');
  collector = await collectEvents(
    t.kafka,
    [t.topics.enrollmentEvents, t.topics.hints],
    `${t.names.groupPrefix}collector`,
  );
});
afterAll(async () => {
  await collector?.stop();
  await t?.close();
});

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/enrollments',
    headers: { ...AUTH, ...headers },
    payload: payload as object,
  });
const get = (url: string, headers: Record<string, string> = AUTH) =>
  t.app.inject({ method: 'GET', url, headers });
const requestedOf = (id: string) =>
  waitFor(
    () => collector.events.find((e) => e.subject === id && e.type === 'enrollment.requested.v1'),
    `requested of ${id}`,
  );

function nextEvent(previous: EventEnvelope, type: string, sequence: number, data: object): EnrollmentEvent {
  return createEvent({
    type: type as 'enrollment.capture_started.v1',
    subject: previous.subject,
    sequence,
    source: 'test/projector',
    correlationId: previous.correlationid,
    causationId: previous.id,
    data: data as never,
  }) as EnrollmentEvent;
}

describe('POST /v1/enrollments', () => {
  it('answers 202 after enrollment.requested is on Kafka (interactive priority, generated opaque account number)', async () => {
    const res = await post({ displayName: 'Ada Lovelace', externalRef: 'crm-1' });
    expect(res.statusCode).toBe(202);
    const body = res.json();
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
    expect((event.data as { accountNumber: string }).accountNumber).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a 202 is always followed by a readable GET (status requested before projection)', async () => {
    const { id } = (await post({ displayName: 'Grace', accountNumber: 'acct-readable' })).json();
    const res = await get(`/v1/enrollments/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'requested',
      accountNumber: 'acct-readable',
      mode: 'capture',
      version: 0,
    });
    expect((await get(`/v1/enrollments/${id}/events`)).json()).toEqual({ events: [] });
  });

  it('answers from the read model once projected, with the capture URL only while capture_pending and inline', async () => {
    const { id } = (await post({ displayName: 'Linus', accountNumber: 'acct-capture' })).json();
    const requested = await requestedOf(id);
    await t.readModel.applyEvent(requested as EnrollmentEvent);
    const started = nextEvent(requested, 'enrollment.capture_started.v1', 2, {
      operationId: 'op-1',
      transport: 'inline',
      operationExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await t.readModel.applyEvent(started);
    const url = 'http://verified.test/?i=op-1&s=one-time-secret';
    await t.redis.set(`${t.config.keyPrefix}:secret:capture-url:${id}`, url, 'EX', 60);

    const view = (await get(`/v1/enrollments/${id}`)).json();
    expect(view).toMatchObject({
      id,
      status: 'capture_pending',
      operationId: 'op-1',
      captureUrl: url,
      version: 2,
    });

    const events = (await get(`/v1/enrollments/${id}/events`)).json().events;
    expect(events.map((e: EventEnvelope) => [e.sequence, e.type])).toEqual([
      [1, 'enrollment.requested.v1'],
      [2, 'enrollment.capture_started.v1'],
    ]);

    await t.readModel.applyEvent(
      nextEvent(started, 'enrollment.capture_completed.v1', 3, {
        operationId: 'op-1',
        upstreamStatus: 2,
        message: 'no',
      }),
    );
    const rejected = (await get(`/v1/enrollments/${id}`)).json();
    expect(rejected.status).toBe('rejected');
    expect(rejected.captureUrl).toBeUndefined();
  });

  it('an Idempotency-Key returns the same enrollment (200) and refuses a different body (422)', async () => {
    const headers = { 'idempotency-key': 'req-42' };
    const first = await post({ displayName: 'Idem' }, headers);
    expect(first.statusCode).toBe(202);
    const second = await post({ displayName: 'Idem' }, headers);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    const reused = await post({ displayName: 'Someone else' }, headers);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    // Another API key using the same Idempotency-Key is another request.
    const other = await post({ displayName: 'Idem' }, { ...headers, ...bearer(KEYS.writer) });
    expect(other.statusCode).toBe(202);
    expect(other.json().id).not.toBe(first.json().id);
    await requestedOf(first.json().id);
    expect(collector.events.filter((e) => e.subject === first.json().id)).toHaveLength(1);
  });

  it('the same accountNumber with an active enrollment returns it; once terminal a new one is created', async () => {
    const first = await post({ displayName: 'Active', accountNumber: 'acct-active' });
    expect(first.statusCode).toBe(202);
    const again = await post({ displayName: 'Active again', accountNumber: 'acct-active' });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);

    const requested = await requestedOf(first.json().id);
    await t.readModel.applyEvent(requested as EnrollmentEvent);
    const started = nextEvent(requested, 'enrollment.capture_started.v1', 2, {
      operationId: 'op-2',
      transport: 'inline',
      operationExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await t.readModel.applyEvent(started);
    await t.readModel.applyEvent(
      nextEvent(started, 'enrollment.capture_completed.v1', 3, {
        operationId: 'op-2',
        upstreamStatus: 3,
        message: null,
      }),
    );

    const fresh = await post({ displayName: 'Active', accountNumber: 'acct-active' });
    expect(fresh.statusCode).toBe(202);
    expect(fresh.json().id).not.toBe(first.json().id);
  });

  it('import: the selfie is stored encrypted and only its reference and digest travel on Kafka', async () => {
    const image = Buffer.from('fake-jpeg-bytes-'.repeat(100)).toString('base64');
    const res = await post({
      displayName: 'Imported',
      accountNumber: 'acct-import',
      mode: 'import',
      selfie: { data: image },
    });
    expect(res.statusCode).toBe(202);
    const event = await requestedOf(res.json().id);
    const selfie = (event.data as { selfie: { ref: string; digest: string; dataType: number } }).selfie;
    expect(selfie.dataType).toBe(1);
    expect(JSON.stringify(event)).not.toContain(image.slice(0, 40));
    const raw = await t.redis.getBuffer(`${t.config.keyPrefix}:selfie:${selfie.ref}`);
    expect(raw).not.toBeNull();
    expect(raw!.includes(Buffer.from('fake-jpeg-bytes'))).toBe(false);
    expect(await t.redis.ttl(`${t.config.keyPrefix}:selfie:${selfie.ref}`)).toBeGreaterThan(3600);
    const vault = new SelfieVault(t.redis, {
      prefix: `${t.config.keyPrefix}:`,
      key: t.config.selfieEncryptionKey,
    });
    expect(await vault.get(selfie.ref, selfie.digest)).toBe(image);
  });

  it('validation: 400 with one detail per field', async () => {
    const res = await post({
      accountNumber: 'has spaces/and slashes',
      displayName: '',
      transport: 'sms',
      timeoutSec: 10,
      mode: 'recapture',
      color: 'blue',
    });
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('validation_failed');
    const fields = error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['accountNumber', 'color', 'displayName', 'phoneNumber', 'timeoutSec']);
    expect(error.details).toContainEqual({ field: 'phoneNumber', reason: 'required for transport sms' });
    expect(error.details).toContainEqual({ field: 'color', reason: 'unknown field' });
    const rules = await post({ displayName: 'X', transport: 'email', mode: 'recapture' });
    expect(rules.json().error.details).toEqual([
      { field: 'email', reason: 'required for transport email' },
      { field: 'accountNumber', reason: 'required for mode recapture (the account must exist)' },
    ]);
    const imports = await post({ displayName: 'X', mode: 'import' });
    expect(imports.json().error.details).toEqual([{ field: 'selfie', reason: 'required for mode import' }]);
    const selfieOnCapture = await post({ displayName: 'X', selfie: { data: 'aGk=' } });
    expect(selfieOnCapture.json().error.details).toEqual([
      { field: 'selfie', reason: 'only allowed for mode import' },
    ]);
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('invalid_body');
  });

  it('401 without or with a bad key, 403 without the scope, 415 for other content types, 413 beyond the JSON limit', async () => {
    const missing = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      payload: { displayName: 'X' },
    });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('unauthenticated');
    const bad = await post({ displayName: 'X' }, { authorization: 'Bearer all:wrong-secret' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('invalid_api_key');
    const viaHeader = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: { 'x-api-key': `${KEYS.all.id}:${KEYS.all.secret}` },
      payload: { displayName: 'Header key' },
    });
    expect(viaHeader.statusCode).toBe(202);
    const forbidden = await post({ displayName: 'X' }, bearer(KEYS.reader));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toMatchObject({ code: 'forbidden' });
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
    const huge = await post({
      displayName: 'X',
      mode: 'import',
      selfie: { data: 'A'.repeat(t.config.jsonBodyLimitBytes + 10) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });
});

describe('reads and hints', () => {
  it('404 for unknown enrollments, 400 for malformed ids, 403 for a key without read scope', async () => {
    const unknown = await get('/v1/enrollments/00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    expect((await get('/v1/enrollments/00000000-0000-4000-8000-000000000000/events')).statusCode).toBe(404);
    expect((await get('/v1/enrollments/not-a-uuid')).statusCode).toBe(400);
    const noRoute = await get('/v2/nothing');
    expect(noRoute.statusCode).toBe(404);
    expect(noRoute.json().error.code).toBe('route_not_found');
  });

  it('capture-finished publishes the hint (202) for a known enrollment, 404 otherwise', async () => {
    const { id } = (await post({ displayName: 'Hint' })).json();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/enrollments/${id}/capture-finished`,
      headers: AUTH,
      payload: { pageName: 'verifiedMatchSuccess', success: true },
    });
    expect(res.statusCode).toBe(202);
    const hint = await waitFor(
      () => collector.events.find((e) => e.type === 'enrollment.capture_finished.v1' && e.subject === id),
      'capture_finished hint',
    );
    expect(hint.topic).toBe(t.topics.hints);
    expect(hint.key).toBe(id);
    expect(hint.data).toMatchObject({ enrollmentId: id, pageName: 'verifiedMatchSuccess', success: true });
    const noBody = await t.app.inject({
      method: 'POST',
      url: `/v1/enrollments/${id}/capture-finished`,
      headers: AUTH,
    });
    expect(noBody.statusCode).toBe(202);
    expect(noBody.json()).toEqual({ id, hint: 'published' });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments/00000000-0000-4000-8000-000000000000/capture-finished',
      headers: AUTH,
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
  });
});

// The HTTP surface every client meets whatever the route: RFC 9457 problems (router errors included), headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../src/http/error-schema.js';
import { z } from 'zod';
import { AUTH, basic, bearer, bodyOf, errorOf, KEYS, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('http-surface');
});
afterAll(async () => t?.close());

describe('errors are RFC 9457 problems', () => {
  it('a validation failure is application/problem+json with type, title, status, detail, instance, code, errors', async () => {
    const res = await t.post('/v1/enrollments', { displayName: 'x', color: 'red' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = bodyOf(res, problemSchema);
    expect(problem).toMatchObject({
      type: 'urn:verified-onboard:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      code: 'validation_failed',
    });
    expect(problem.instance).toBe(`urn:verified-onboard:request:${String(res.headers['x-request-id'])}`);
    expect(problem.errors).toContainEqual({ field: 'color', reason: 'unknown field' });
    expect(Object.keys(problem)).not.toContain('error');
  });

  it('a problem without field errors has no errors member', async () => {
    const res = await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
    const problem = bodyOf(res, problemSchema);
    expect(problem.code).toBe('not_found');
    expect(problem).not.toHaveProperty('errors');
  });

  it('an unknown route and a missing key answer problems too', async () => {
    const noRoute = await t.get('/nope');
    expect(noRoute.statusCode).toBe(404);
    expect(errorOf(noRoute).code).toBe('route_not_found');
    const anonymous = await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000', {});
    expect(anonymous.statusCode).toBe(401);
    expect(errorOf(anonymous).code).toBe('unauthenticated');
    const dashboard = await t.get('/ops/queues/', {});
    expect(dashboard.statusCode).toBe(401);
    expect(errorOf(dashboard).code).toBe('unauthenticated');
  });

  it('a path parameter over the router limit answers 414 uri_too_long, not FST_ERR_MAX_PARAM_LENGTH', async () => {
    const res = await t.get(`/v1/enrollments/${'a'.repeat(200)}`, AUTH);
    expect(res.statusCode).toBe(414);
    expect(errorOf(res).code).toBe('uri_too_long');
    expect(res.body).not.toContain('FST_ERR');
  });

  it('a URL that is not valid percent-encoding answers 400 invalid_url, not FST_ERR_BAD_URL', async () => {
    const res = await t.get('/v1/enrollments/%E0%A4%A', AUTH);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({
      code: 'invalid_url',
      details: [{ field: 'url', reason: 'not valid percent-encoding' }],
    });
    expect(res.body).not.toContain('FST_ERR');
  });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are always ours: a client X-Request-Id is neither used nor echoed, ours is', async () => {
    const res = await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000', {
      ...AUTH,
      'x-request-id': 'forged-id',
    });
    const ours = String(res.headers['x-request-id']);
    expect(ours).toMatch(UUID);
    expect(errorOf(res).code).toBe('not_found');
    expect(bodyOf(res, problemSchema).instance).toBe(`urn:verified-onboard:request:${ours}`);
    expect(t.logs.text).toContain(ours);
    expect(t.logs.text).not.toContain('forged-id');
  });

  it('router errors carry one too', async () => {
    const res = await t.get(`/v1/enrollments/${'a'.repeat(200)}`, { ...AUTH, 'x-request-id': 'forged-id' });
    expect(String(res.headers['x-request-id'])).toMatch(UUID);
  });
});

describe('Cache-Control: no-store', () => {
  it('is on every /v1 and /ops answer, successes and errors alike', async () => {
    const accepted = await t.post('/v1/enrollments', { displayName: 'Cache Test', transport: 'inline' });
    expect(accepted.statusCode).toBe(202);
    const { id } = bodyOf(accepted, z.looseObject({ id: z.string() }));
    const answers = [
      accepted,
      await t.get(`/v1/enrollments/${id}`),
      await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000'),
      await t.get('/v1/ops/failed'),
      await t.get('/ops/queues/', basic(KEYS.all)),
      await t.get('/ops/queues/', {}),
    ];
    for (const [i, res] of answers.entries())
      expect(res.headers['cache-control'], `answer ${i}`).toBe('no-store');
    expect((await t.get('/healthz', {})).headers['cache-control']).toBeUndefined();
  });
});

describe('Basic credentials', () => {
  it('are accepted only by the queue dashboard, never by the JSON api', async () => {
    expect((await t.get('/ops/queues/', basic(KEYS.all))).statusCode).toBe(200);
    const api = await t.get('/v1/ops/failed', basic(KEYS.all));
    expect(api.statusCode).toBe(401);
    expect(errorOf(api).code).toBe('unauthenticated');
    expect((await t.get('/v1/ops/failed', bearer(KEYS.all))).statusCode).toBe(200);
  });
});

describe('failed authentication is rate-limited', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp('auth-failures', {
      env: { API_AUTH_FAILURES_PER_ADDRESS: '3', API_AUTH_FAILURES_PER_KEY: '5' },
    });
  });
  afterAll(async () => limited?.close());

  const from = (address: string, headers: Record<string, string>, url = '/v1/ops/failed') =>
    limited.app.inject({ method: 'GET', url, headers, remoteAddress: address });
  const wrong = (keyId: string) => ({ authorization: `Bearer ${keyId}:not-the-secret-0123456789abcdef0123` });

  it('per client address: after the limit even the right key answers 429 with Retry-After; other addresses are unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1', wrong('nobody'))).statusCode).toBe(401);
    const refused = await from('10.0.0.1', AUTH);
    expect(refused.statusCode).toBe(429);
    expect(errorOf(refused).code).toBe('too_many_auth_failures');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await from('10.0.0.2', AUTH)).statusCode).toBe(200);
    // Requests without credentials never touch the limiter.
    expect((await from('10.0.0.1', {}, '/healthz')).statusCode).toBe(200);
  });

  it('per key id, across addresses; made-up key ids get no counter', async () => {
    for (let i = 0; i < 5; i++)
      expect((await from(`10.1.0.${i}`, wrong(KEYS.reader.id))).statusCode).toBe(401);
    const refused = await from('10.1.1.1', bearer(KEYS.reader));
    expect(refused.statusCode).toBe(429);
    expect(errorOf(refused).code).toBe('too_many_auth_failures');
    expect((await from('10.1.1.1', bearer(KEYS.writer))).statusCode).toBe(403);
    expect(await limited.keysNaming('auth-failures:key:nobody')).toEqual([]);
    expect(await limited.keysNaming(`auth-failures:key:${KEYS.reader.id}`)).toHaveLength(1);
  });

  it('counts refused webhook signatures per address', async () => {
    const hook = (address: string) =>
      limited.app.inject({
        method: 'POST',
        url: '/v1/webhooks/verified',
        headers: { 'content-type': 'application/json', 'x-signature': 'AAAA' },
        payload: '{}',
        remoteAddress: address,
      });
    for (let i = 0; i < 3; i++) expect((await hook('10.2.0.1')).statusCode).toBe(401);
    expect(errorOf(await hook('10.2.0.1')).code).toBe('too_many_auth_failures');
  });
});

describe('human-readable fields', () => {
  it('refuse NUL, controls, bidi overrides and zero-width-only text with field and reason', async () => {
    const cases: [object, string, string][] = [
      [{ displayName: 'Ada\u0000' }, 'displayName', 'contains a control character'],
      [{ displayName: 'Ada \u001b[2J' }, 'displayName', 'contains a control character'],
      [{ displayName: 'Ada\u202eecilA' }, 'displayName', 'contains a bidirectional override or isolate'],
      [{ displayName: '\u200b\u200b' }, 'displayName', 'has no visible character'],
      [
        { displayName: 'Ada', description: '\u2066x' },
        'description',
        'contains a bidirectional override or isolate',
      ],
      [
        { displayName: 'Ada', introductionText: 'Hello\u0085' },
        'introductionText',
        'contains a control character',
      ],
      [
        { displayName: 'Ada', customDisplayName: 'A\nB' },
        'customDisplayName',
        'contains a control character',
      ],
    ];
    for (const [body, field, reason] of cases) {
      const res = await t.post('/v1/enrollments', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(errorOf(res).details).toEqual([{ field, reason }]);
    }
  });

  it('accept multi-line introductions and names in any script', async () => {
    const res = await t.post('/v1/enrollments', {
      displayName: 'Zoë 李',
      introductionText: 'Hello,\n\tplease take a selfie.',
    });
    expect(res.statusCode).toBe(202);
  });
});

describe('security headers', () => {
  it('nosniff, framing denied and the CSP on JSON answers, problems, docs and the dashboard', async () => {
    const answers = [
      await t.get('/v1/ops/failed'),
      await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000'),
      await t.get('/nope', {}),
      await t.get('/healthz', {}),
      await t.get('/docs/json', {}),
      await t.get('/ops/queues/', basic(KEYS.all)),
    ];
    for (const [i, res] of answers.entries()) {
      expect(res.headers['x-content-type-options'], `answer ${i}`).toBe('nosniff');
      expect(res.headers['x-frame-options'], `answer ${i}`).toBe('DENY');
      expect(String(res.headers['content-security-policy']), `answer ${i}`).toContain(
        "frame-ancestors 'none'",
      );
    }
    const routerError = await t.get(`/v1/enrollments/${'a'.repeat(200)}`);
    expect(routerError.headers['x-content-type-options']).toBe('nosniff');
  });
});

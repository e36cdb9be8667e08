// The HTTP surface every client meets whatever the route: RFC 9457 problems (router errors included), headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../src/http/error-schema.js';
import { AUTH, bodyOf, errorOf, startTestApp, type TestApp } from './support/harness.js';

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
    expect(problem.instance).toMatch(/^urn:verified-onboard:request:\S+$/);
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

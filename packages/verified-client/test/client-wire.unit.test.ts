// VerifiedClient against a fake upstream over real sockets: authentication, tokens and the shape of calls.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../src/index.js';
import { json } from './helpers/fake-upstream.js';
import { ADMIN, REFRESH_PATH, TOKEN_PATH, useWireFixture } from './helpers/wire-fixture.js';

const wire = useWireFixture();
const { withIdentity, newClient, dataRequests } = wire;

describe('VerifiedClient on the wire', () => {
  it('authenticates with HTTP Basic, then sends the bearer token and PascalCase bodies', async () => {
    withIdentity((req, res) =>
      json(res, 200, {
        OperationId: 'op-1',
        OneTimeSecret: 'c2VjcmV0',
        Status: 0,
        TempId: null,
        Extra: true,
      }),
    );
    const op = await newClient().beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 3600,
      transportType: 0,
      introductionText: 'Hi',
    });
    expect(op).toMatchObject({ operationId: 'op-1', oneTimeSecret: 'c2VjcmV0', status: 0, tempId: null });

    const [tokenCall, begin] = wire.upstream.requests;
    assert.ok(tokenCall && begin);
    expect(tokenCall).toMatchObject({ method: 'POST', url: TOKEN_PATH, body: '' });
    expect(tokenCall.headers.authorization).toBe(
      `Basic ${Buffer.from('key-id:key-value').toString('base64')}`,
    );
    expect(begin).toMatchObject({ method: 'POST', url: `${ADMIN}/foreignOperations/biometry` });
    expect(begin.headers.authorization).toMatch(/^Bearer ey/);
    expect(JSON.parse(begin.body)).toEqual({
      CheckLiveness: true,
      TimeoutSec: 3600,
      TransportType: 0,
      IntroductionText: 'Hi',
    });
  });

  it('refreshes with the refresh token as a JSON string literal and no Authorization header', async () => {
    // A 401 on a data call expires the access token but keeps the refresh token, so renewal goes through refresh.
    let rejectNext = 1;
    withIdentity((req, res) => (rejectNext-- > 0 ? json(res, 401, {}) : json(res, 200, { Status: 0 })));
    await newClient().getOperationStatus('op-1');
    expect(wire.upstream.requests.map((r) => r.url.split('/').pop())).toEqual([
      'token',
      'status',
      'refresh',
      'status',
    ]);
    const refresh = wire.upstream.requests.find((r) => r.url === REFRESH_PATH);
    assert.ok(refresh);
    expect(refresh.method).toBe('POST');
    expect(refresh.body).toBe(JSON.stringify('refresh-' + (wire.issued - 1)));
    expect(refresh.headers['content-type']).toBe('application/json');
    expect(refresh.headers.authorization).toBeUndefined();
  });

  it('URL-encodes account numbers and operation ids in paths', async () => {
    withIdentity((req, res) => json(res, 200, null));
    const c = newClient();
    expect(await c.getAccount('a b/c?d')).toBeNull();
    await c.getOperationStatus('x/y').catch(() => undefined);
    expect(dataRequests().map((r) => r.url)).toEqual([
      `${ADMIN}/v1/accounts/a%20b%2Fc%3Fd`,
      '/IDCompleteBackendEngine/Default/AuthorizationServiceRest/v2/operations/x%2Fy/status',
    ]);
  });

  it('treats a 404 on GetAccount as absent', async () => {
    withIdentity((req, res) => json(res, 404, { ID: 'E_NOT_FOUND' }));
    expect(await newClient().getAccount('missing')).toBeNull();
  });

  it('on a 401 invalidates the token, gets a new one and retries the call once', async () => {
    let rejectNext = 1;
    withIdentity((req, res) => {
      if (rejectNext > 0) {
        rejectNext -= 1;
        return json(res, 401, { ID: 'E_USER_NOT_AUTHENTICATED' });
      }
      return json(res, 200, { Status: 1, Message: 'ok' });
    });
    const c = newClient();
    expect(await c.getOperationStatus('op-1')).toEqual({ status: 1, message: 'ok' });
    const bearer = dataRequests().map((r) => r.headers.authorization);
    expect(bearer).toHaveLength(2);
    expect(bearer[0]).not.toBe(bearer[1]);
  });

  it('gives up with AuthenticationError when the renewed token is refused too', async () => {
    withIdentity((req, res) => json(res, 401, { ID: 'E_USER_NOT_AUTHENTICATED', Message: 'nope' }));
    const error = await newClient()
      .getOperationStatus('op-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      code: 'upstream_unauthenticated',
      retryable: false,
      upstreamId: 'E_USER_NOT_AUTHENTICATED',
    });
    expect(dataRequests()).toHaveLength(2);
  });

  it('reports a refused API key as AuthenticationError from the token endpoint', async () => {
    wire.upstream.handle((req, res) => json(res, 401, { ID: 'E_USER_NOT_AUTHENTICATED' }));
    await expect(newClient().getWebhookSettings()).rejects.toMatchObject({
      code: 'upstream_unauthenticated',
      endpoint: 'token',
    });
  });
});

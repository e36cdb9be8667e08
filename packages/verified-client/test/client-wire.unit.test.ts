import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  RateLimitedError,
  UpstreamContractError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  VerifiedClient,
  type EndpointName,
} from '../src/index.js';
import {
  fakeJwt,
  json,
  startFakeUpstream,
  type FakeUpstream,
  type RecordedRequest,
} from './helpers/fake-upstream.js';

const TOKEN_PATH = '/IDCompleteBackendEngine/IdentityService/v1/auth/token';
const REFRESH_PATH = '/IDCompleteBackendEngine/IdentityService/v1/auth/refresh';
const ADMIN = '/IDCompleteBackendEngine/Default/AdministrationServiceRest';

let upstream: FakeUpstream;
let client: VerifiedClient | undefined;
let issued = 0;

function issueToken(lifetimeSec = 900) {
  issued += 1;
  const now = Math.floor(Date.now() / 1000);
  return {
    AccessToken: fakeJwt({ iat: now, exp: now + lifetimeSec }, `n${issued}`),
    RefreshToken: `refresh-${issued}`,
  };
}

/** Serves tokens, and delegates everything else to `data`. */
function withIdentity(
  data: (req: RecordedRequest, res: Parameters<Parameters<FakeUpstream['handle']>[0]>[1]) => void,
) {
  upstream.handle((req, res) => {
    if (req.url === TOKEN_PATH || req.url === REFRESH_PATH) return json(res, 200, issueToken());
    return data(req, res);
  });
}

function newClient(extra: Partial<ConstructorParameters<typeof VerifiedClient>[0]> = {}) {
  client = new VerifiedClient({
    baseUrl: upstream.url,
    apiKeyId: 'key-id',
    apiKeyValue: 'key-value',
    timeoutMs: 2_000,
    ...extra,
  });
  return client;
}

const dataRequests = () => upstream.requests.filter((r) => !r.url.includes('/IdentityService/'));

beforeEach(async () => {
  upstream = await startFakeUpstream();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await upstream.close();
});

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

    const [tokenCall, begin] = upstream.requests;
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
    expect(upstream.requests.map((r) => r.url.split('/').pop())).toEqual([
      'token',
      'status',
      'refresh',
      'status',
    ]);
    const refresh = upstream.requests.find((r) => r.url === REFRESH_PATH);
    assert.ok(refresh);
    expect(refresh.method).toBe('POST');
    expect(refresh.body).toBe(JSON.stringify('refresh-' + (issued - 1)));
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
    upstream.handle((req, res) => json(res, 401, { ID: 'E_USER_NOT_AUTHENTICATED' }));
    await expect(newClient().getWebhookSettings()).rejects.toMatchObject({
      code: 'upstream_unauthenticated',
      endpoint: 'token',
    });
  });

  it('maps 5xx, 429 and malformed 2xx bodies to typed errors', async () => {
    let mode: 'five' | 'rate' | 'shape' | 'text' = 'five';
    withIdentity((req, res) => {
      if (mode === 'five') return json(res, 503, { Message: 'down' });
      if (mode === 'rate') return json(res, 429, {}, { 'retry-after': '3' });
      if (mode === 'shape') return json(res, 200, { Status: 'weird' });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy</html>');
    });
    const c = newClient();
    await expect(c.getOperationStatus('op')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    mode = 'rate';
    await expect(c.getOperationStatus('op')).rejects.toSatisfy(
      (e) => e instanceof RateLimitedError && e.retryAfterMs === 3000,
    );
    mode = 'shape';
    await expect(c.getOperationStatus('op')).rejects.toMatchObject({
      code: 'upstream_contract_violation',
      retryable: false,
    });
    mode = 'text';
    await expect(c.getOperationStatus('op')).rejects.toBeInstanceOf(UpstreamContractError);
  });

  it('times out a call that gets no answer', async () => {
    withIdentity(() => {
      // Never answer: the client's deadline must fire.
    });
    const error = await newClient({ timeoutMs: 150 })
      .getOperationStatus('op')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ retryable: true, endpoint: 'operationStatus' });
  });

  it('maps a reset connection and a refused connection to upstream_unavailable', async () => {
    upstream.handle((req, res, socket) => {
      if (req.url === TOKEN_PATH) return json(res, 200, issueToken());
      socket.destroy();
    });
    await expect(newClient().getOperationStatus('op')).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
    });

    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const refused = new VerifiedClient({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      apiKeyId: 'k',
      apiKeyValue: 'v',
      timeoutMs: 2_000,
    });
    await expect(refused.getAccount('a')).rejects.toMatchObject({
      code: 'upstream_unavailable',
      endpoint: 'token',
    });
    await refused.close();
  });

  it('acquires the rate limiter and reports to onCall for every HTTP call, token calls included', async () => {
    let rejectNext = 1;
    withIdentity((req, res) => {
      if (rejectNext-- > 0) return json(res, 401, {});
      return json(res, 200, { Status: 0 });
    });
    let acquired = 0;
    const calls: Array<[EndpointName, string]> = [];
    const c = newClient({
      rateLimiter: {
        acquire: () => {
          acquired += 1;
          return Promise.resolve();
        },
      },
      onCall: (endpoint, outcome, ms) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        calls.push([endpoint, outcome]);
      },
    });
    await c.getOperationStatus('op');
    expect(acquired).toBe(upstream.requests.length);
    expect(calls.map(([endpoint]) => endpoint).slice(0, 2)).toEqual(['token', 'operationStatus']);
    expect(calls[1]?.[1]).toBe('upstream_unauthenticated');
    expect(calls.at(-1)).toEqual(['operationStatus', 'ok']);
    expect(calls).toHaveLength(upstream.requests.length);
  });

  it('rejects invalid input before sending anything', async () => {
    withIdentity((req, res) => json(res, 200, {}));
    const c = newClient();
    await expect(c.createBiometricCredential('acc', { data: 'not base64 ***' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(c.getAccount('')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      c.createOperation({ accountNumber: 'a', name: '', timeoutSec: 60, transportType: 0 }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(upstream.requests).toHaveLength(0);
  });

  it('treats deleting something already gone as done', async () => {
    withIdentity((req, res) => json(res, 404, { ID: 'E_NOT_FOUND' }));
    const c = newClient();
    await expect(c.deleteAccount('gone')).resolves.toBeUndefined();
    await expect(c.deleteBiometricCredential('gone')).resolves.toBeUndefined();
    expect(dataRequests().map((r) => `${r.method} ${r.url}`)).toEqual([
      `DELETE ${ADMIN}/v1/accounts/gone`,
      `DELETE ${ADMIN}/v1/accounts/gone/bioCredential`,
    ]);
  });

  it('accepts any 2xx body on calls whose answer is ignored, but not on calls that read it', async () => {
    withIdentity((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('true');
    });
    const c = newClient();
    await expect(c.createProofedBiometricCredential('acc', 'temp-id')).resolves.toBeUndefined();
    await expect(c.createBiometricCredential('acc', { data: 'aGVsbG8=' })).resolves.toBeUndefined();
    await expect(c.getWebhookSettings()).rejects.toBeInstanceOf(UpstreamContractError);
    const proofed = dataRequests()[0];
    assert.ok(proofed);
    expect(proofed.url).toBe(`${ADMIN}/v1/accounts/acc/proofedBioCredential`);
    expect(JSON.parse(proofed.body)).toEqual({ TempId: 'temp-id' });
  });
});

// VerifiedClient against a fake upstream over real sockets: failures, timeouts, the rate limiter and input checks.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  RateLimitedError,
  UpstreamContractError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type EndpointName,
  VerifiedClient,
} from '../src/index.js';
import { json } from './helpers/fake-upstream.js';
import { ADMIN, TOKEN_PATH, useWireFixture } from './helpers/wire-fixture.js';

const wire = useWireFixture();
const { withIdentity, newClient, dataRequests, issueToken } = wire;

describe('VerifiedClient on the wire: failures and limits', () => {
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
    wire.upstream.handle((req, res, socket) => {
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
    expect(acquired).toBe(wire.upstream.requests.length);
    expect(calls.map(([endpoint]) => endpoint).slice(0, 2)).toEqual(['token', 'operationStatus']);
    expect(calls[1]?.[1]).toBe('upstream_unauthenticated');
    expect(calls.at(-1)).toEqual(['operationStatus', 'ok']);
    expect(calls).toHaveLength(wire.upstream.requests.length);
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
    expect(wire.upstream.requests).toHaveLength(0);
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

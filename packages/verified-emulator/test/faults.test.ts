import { waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_V1, EmulatorHarness, IDENTITY_PREFIX, type ErrorBody } from './helpers.js';

describe('scenario faults and latency', () => {
  let h: EmulatorHarness;
  let token: string;
  beforeAll(async () => {
    h = await EmulatorHarness.start();
  });
  beforeEach(async () => {
    await h.control('POST', '/reset');
    token = await h.token();
  });
  afterAll(() => h.close());

  const accounts = async (): Promise<string[]> => (await h.accounts()).map((a) => a.accountNumber);

  it('rate5xx fails before the effect: nothing is created, and other endpoints are unaffected', async () => {
    await h.scenario({ faults: { createAccount: { rate5xx: 1 } } });
    const res = await h.createAccount<ErrorBody>(token, 'f-1');
    expect(res.status).toBe(503);
    expect(res.json.ID).toBe('E_SERVICE_UNAVAILABLE');
    expect(await accounts()).toEqual([]);
    expect((await h.call('GET', `${ADMIN_V1}/accounts/f-1`, { token })).status).toBe(200);
    expect((await h.stats()).calls.createAccount).toBe(1);
    await h.scenario({ faults: { createAccount: null } });
    expect((await h.createAccount(token, 'f-1')).status).toBe(200);
  });

  it('rate429 answers 429 with a Retry-After header', async () => {
    await h.scenario({ faults: { token: { rate429: 1, retryAfterSec: 7 } } });
    const res = await h.tokens<ErrorBody>();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json.ID).toBe('E_TOO_MANY_REQUESTS');
  });

  it('rateTimeout holds the request unanswered until the client gives up, with no effect', async () => {
    await h.scenario({ faults: { createAccount: { rateTimeout: 1 } } });
    await expect(
      h.call('POST', `${ADMIN_V1}/accounts`, {
        token,
        body: { AccountNumber: 't-1', DisplayName: 't' },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(await accounts()).toEqual([]);
    // The emulator stays responsive while (and after) holding a request.
    expect((await h.call('GET', `${ADMIN_V1}/accounts/t-1`, { token })).text).toBe('null');
  });

  it('afterEffect applies the effect then fails, so a retry meets E_ACCOUNT_ALREADY_EXISTS', async () => {
    await h.scenario({ faults: { createAccount: { rate5xx: 1, afterEffect: true } } });
    const res = await h.createAccount(token, 'ae-1');
    expect(res.status).toBe(503);
    expect(await accounts()).toEqual(['ae-1']);
    await h.scenario({ faults: { createAccount: null } });
    const retry = await h.createAccount<ErrorBody>(token, 'ae-1');
    expect(retry.status).toBe(409);
    expect(retry.json.ID).toBe('E_ACCOUNT_ALREADY_EXISTS');
  });

  it('afterEffect on refresh consumes the refresh token although the caller saw a 429', async () => {
    const first = (await h.tokens()).json;
    await h.scenario({ faults: { refresh: { rate429: 1, afterEffect: true } } });
    const res = await h.call('POST', `${IDENTITY_PREFIX}/auth/refresh`, { body: first.RefreshToken });
    expect(res.status).toBe(429);
    await h.scenario({ faults: { refresh: null } });
    expect(
      (await h.call('POST', `${IDENTITY_PREFIX}/auth/refresh`, { body: first.RefreshToken })).status,
    ).toBe(401);
  });

  it('rates are probabilities: a fault rate of 0.5 fails some calls and lets others through', async () => {
    await h.scenario({ faults: { getAccount: { rate5xx: 0.5 } } });
    const statuses = new Set<number>();
    await waitFor('both outcomes', async () => {
      statuses.add((await h.call('GET', `${ADMIN_V1}/accounts/x`, { token })).status);
      return statuses.size === 2;
    });
    expect([...statuses].sort()).toEqual([200, 503]);
  });

  it('latencyMs delays every upstream answer by at least min', async () => {
    await h.scenario({ latencyMs: { min: 120, max: 150 } });
    const started = performance.now();
    expect((await h.call('GET', `${ADMIN_V1}/accounts/x`, { token })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('refuses fault patches for unknown endpoints or out-of-range rates', async () => {
    expect((await h.control('PUT', '/scenario', { faults: { nope: { rate5xx: 1 } } })).status).toBe(400);
    expect((await h.control('PUT', '/scenario', { faults: { token: { rate5xx: 2 } } })).status).toBe(400);
    expect((await h.control('PUT', '/scenario', { latencyMs: { min: 10, max: 5 } })).status).toBe(400);
  });

  it('close() returns promptly even while a timeout fault holds a request', async () => {
    const local = await EmulatorHarness.start({ scenario: { faults: { getAccount: { rateTimeout: 1 } } } });
    const t = await local.token();
    const held = local.call('GET', `${ADMIN_V1}/accounts/x`, { token: t }).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor('the held call', async () => (await local.stats()).calls.getAccount === 1);
    // Without the release on close, this would wait out the 30 s hold and then answer 504.
    await local.close();
    expect(await held).toBe('dropped');
  });
});

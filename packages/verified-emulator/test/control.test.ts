import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT_NAMES, type Scenario } from '../src/index.js';
import {
  anyString,
  ADMIN_V1,
  EmulatorHarness,
  type ClockView,
  type ControlErrorBody,
  type ErrorBody,
  type OperationControlView,
} from './helpers.js';

describe('control API', () => {
  let h: EmulatorHarness;
  beforeAll(async () => {
    h = await EmulatorHarness.start({ scenario: { user: { outcome: 'never' }, tokenTtlSec: 300 } });
  });
  afterAll(() => h.close());

  it('PUT /scenario deep-merges a partial patch and returns the whole scenario', async () => {
    const base = (await h.control<Scenario>('GET', '/scenario')).json;
    expect(base).toEqual({
      user: { outcome: 'never', afterMs: 0 },
      latencyMs: { min: 0, max: 0 },
      faults: {},
      webhook: { enabled: true, dropRate: 0 },
      tokenTtlSec: 300,
    });
    const first = await h.control<Scenario>('PUT', '/scenario', {
      user: { afterMs: { min: 10, max: 20 } },
      faults: { token: { rate5xx: 0.25 } },
    });
    expect(first.json.user).toEqual({ outcome: 'never', afterMs: { min: 10, max: 20 } });
    const second = await h.control<Scenario>('PUT', '/scenario', {
      faults: { token: { rate429: 0.5 }, getAccount: { rateTimeout: 0.1 } },
      webhook: { dropRate: 0.3 },
    });
    expect(second.json.faults).toEqual({
      token: { rate5xx: 0.25, rate429: 0.5, retryAfterSec: 1, rateTimeout: 0, afterEffect: false },
      getAccount: { rate5xx: 0, rate429: 0, retryAfterSec: 1, rateTimeout: 0.1, afterEffect: false },
    });
    expect(second.json.webhook).toEqual({ enabled: true, dropRate: 0.3 });
    expect(second.json.user.afterMs).toEqual({ min: 10, max: 20 });
    expect(
      (await h.control<ControlErrorBody>('PUT', '/scenario', { user: { outcome: 'maybe' } })).json.error,
    ).toBe('invalid_scenario');
    await h.control('POST', '/reset');
  });

  it('GET /operations/:id exposes the OneTimeSecret, TempId and a capture URL (tests only)', async () => {
    const token = await h.token();
    const begin = await h.beginBiometry(token);
    const view = await h.control('GET', `/operations/${begin.json.OperationId}`);
    expect(view.json).toMatchObject({
      OperationId: begin.json.OperationId,
      Status: 0,
      OneTimeSecret: begin.json.OneTimeSecret,
      TempId: null,
      PlannedOutcome: 'expire',
      CaptureUrl: `${h.baseUrl}/?i=${begin.json.OperationId}&s=${encodeURIComponent(begin.json.OneTimeSecret ?? '')}`,
    });
    await h.control('POST', `/operations/${begin.json.OperationId}/complete`, { Status: 1 });
    expect(
      (await h.control<OperationControlView>('GET', `/operations/${begin.json.OperationId}`)).json.TempId,
    ).toEqual(expect.any(String));
    expect((await h.control('GET', '/operations/unknown')).status).toBe(404);
  });

  it('stats have the contract shape and count calls per endpoint', async () => {
    await h.control('POST', '/reset');
    const token = await h.token();
    await h.createAccount(token, 'c-1');
    await h.call('GET', `${ADMIN_V1}/accounts/c-1`, { token });
    const stats = await h.stats();
    expect(stats).toMatchObject({
      accounts: 1,
      credentials: 0,
      duplicateCreates: { account: 0, credential: 0 },
      webhooks: { sent: 0, dropped: 0, failed: 0 },
      operations: { pending: 0, accepted: 0, rejected: 0, expired: 0, errored: 0, canceled: 0 },
    });
    expect(stats.calls).toMatchObject({
      token: 1,
      createAccount: 1,
      getAccount: 1,
      beginBiometry: 0,
      webhookSettings: 0,
    });
    // A counter for every endpoint the emulator serves, and nothing else.
    expect(Object.keys(stats.calls).sort()).toEqual([...ENDPOINT_NAMES].sort());
  });

  it('POST /clock moves the emulator clock forward and validates its body', async () => {
    const before = (await h.control<ClockView>('GET', '/clock')).json;
    const after = (await h.control<ClockView>('POST', '/clock', { advanceMs: 3_600_000 })).json;
    expect(after.offsetMs - before.offsetMs).toBe(3_600_000);
    expect(Date.parse(after.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(3_600_000);
    expect((await h.control('POST', '/clock', { advanceMs: -1 })).status).toBe(400);
  });

  it('POST /reset clears accounts, operations, tokens, counters, clock offset and the scenario', async () => {
    const token = await h.token();
    await h.createAccount(token, 'r-1');
    const begin = await h.beginBiometry(token);
    await h.control('PUT', '/scenario', {
      user: { outcome: 'reject' },
      faults: { getAccount: { rate5xx: 1 } },
    });
    await h.control('POST', '/clock', { advanceMs: 1000 });
    const reset = await h.control('POST', '/reset');
    expect(reset.status).toBe(200);
    expect(await h.accounts()).toEqual([]);
    expect((await h.control('GET', `/operations/${begin.json.OperationId}`)).status).toBe(404);
    expect((await h.control<ClockView>('GET', '/clock')).json.offsetMs).toBe(0);
    const stats = await h.stats();
    expect(Object.values(stats.calls).every((n) => n === 0)).toBe(true);
    expect(stats.operations.pending).toBe(0);
    // Back to the configured baseline, not to the last patch.
    expect((await h.control<Scenario>('GET', '/scenario')).json).toMatchObject({
      user: { outcome: 'never' },
      faults: {},
      tokenTtlSec: 300,
    });
    expect((await h.call('GET', `${ADMIN_V1}/accounts/r-1`, { token })).status).toBe(401);
  });

  it('unknown control routes answer a plain JSON 404, unknown upstream routes the .NET body', async () => {
    expect((await h.control('GET', '/nope')).json).toEqual({
      error: 'not_found',
      message: anyString,
    });
    expect((await h.call<ErrorBody>('GET', '/IDCompleteBackendEngine/Default/Nope')).json.ID).toBe(
      'E_NOT_FOUND',
    );
  });
});

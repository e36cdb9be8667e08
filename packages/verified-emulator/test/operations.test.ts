import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PREFIX, ADMIN_V1, AUTHZ_PREFIX, EmulatorHarness } from './helpers.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('operations: foreign biometry (v1) and v2 operations', () => {
  let now = Date.parse('2026-03-01T00:00:00Z');
  let h: EmulatorHarness;
  let token: string;
  beforeAll(async () => {
    h = await EmulatorHarness.start({ now: () => now });
  });
  beforeEach(async () => {
    await h.control('POST', '/reset');
    token = await h.token();
  });
  afterAll(() => h.close());

  const end = (id: string, prefix = ADMIN_PREFIX) =>
    h.call('GET', `${prefix}/foreignOperations/biometry/${id}`, { token });
  const status = (id: string) => h.call('GET', `${AUTHZ_PREFIX}/v2/operations/${id}/status`, { token });

  it('BeginGetForeignBiometry returns the pending foreign operation result with a base64 OneTimeSecret', async () => {
    const res = await h.beginBiometry(token);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      OneTimeSecret: expect.any(String),
      TempId: null,
      OperationId: expect.stringMatching(GUID),
      Status: 0,
      Message: null,
      StartDate: new Date(now).toISOString(),
      EndDate: null,
    });
    expect(Buffer.from(res.json.OneTimeSecret, 'base64')).toHaveLength(16);
  });

  it('EndGetForeignBiometry shows Accepted with a TempId under both path forms (default: accept after 0 ms)', async () => {
    const begin = await h.call('POST', `${ADMIN_V1}/foreignOperations/biometry`, {
      token,
      body: { TimeoutSec: 60 },
    });
    for (const prefix of [ADMIN_PREFIX, ADMIN_V1]) {
      const res = await end(begin.json.OperationId, prefix);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        Status: 1,
        TempId: expect.stringMatching(GUID),
        Message: 'Operation has been accepted by the user.',
        EndDate: expect.any(String),
      });
    }
  });

  it('TransportType 1/2 need a phone/email and return no OneTimeSecret; 3 is 400 E_INVALID_TRANSPORT_TYPE', async () => {
    const sms = await h.beginBiometry(token, { TransportType: 1, PhoneNumber: '+15550100' });
    expect(sms.status).toBe(200);
    expect(sms.json.OneTimeSecret).toBeNull();
    expect((await end(sms.json.OperationId)).json.OneTimeSecret).toBeNull();
    const email = await h.beginBiometry(token, { TransportType: 2, Email: 'a@b.c' });
    expect(email.json.OneTimeSecret).toBeNull();
    expect((await h.beginBiometry(token, { TransportType: 1 })).json.ID).toBe('E_PHONE_NUMBER_REQUIRED');
    expect((await h.beginBiometry(token, { TransportType: 2, Email: '' })).json.ID).toBe('E_EMAIL_REQUIRED');
    for (const t of [3, 7, -1]) {
      const res = await h.beginBiometry(token, { TransportType: t });
      expect(res.status).toBe(400);
      expect(res.json.ID).toBe('E_INVALID_TRANSPORT_TYPE');
    }
    // The secret still exists for the capture page (the SMS link), visible only to tests.
    expect((await h.control('GET', `/operations/${sms.json.OperationId}`)).json.OneTimeSecret).toEqual(
      expect.any(String),
    );
  });

  it('"never" leaves an operation pending until its Timeout elapses on the emulator clock, then Expired (3)', async () => {
    await h.scenario({ user: { outcome: 'never' } });
    const begin = await h.beginBiometry(token, { TimeoutSec: 120 });
    now += 119_000;
    expect((await end(begin.json.OperationId)).json.Status).toBe(0);
    now += 1_000;
    const res = await end(begin.json.OperationId);
    expect(res.json).toMatchObject({ Status: 3, TempId: null, Message: 'Operation has expired.' });
    expect((await h.control('GET', '/stats')).json.operations).toMatchObject({ pending: 0, expired: 1 });
  });

  it('schedules the user outcome after afterMs on the emulator clock, and each outcome maps to its status', async () => {
    const expected = { accept: 1, reject: 2, expire: 3, error: 4, cancel: 5 } as const;
    for (const [outcome, code] of Object.entries(expected)) {
      await h.scenario({ user: { outcome, afterMs: 5_000 } });
      const begin = await h.beginBiometry(token);
      expect((await end(begin.json.OperationId)).json.Status).toBe(0);
      await h.control('POST', '/clock', { advanceMs: 5_000 });
      const done = await end(begin.json.OperationId);
      expect(done.json.Status, outcome).toBe(code);
      expect(done.json.TempId === null, outcome).toBe(code !== 1);
    }
    const ops = (await h.control('GET', '/stats')).json.operations;
    expect(ops).toEqual({ pending: 0, accepted: 1, rejected: 1, expired: 1, errored: 1, canceled: 1 });
  });

  it('an afterMs beyond the Timeout expires the operation instead', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: { min: 200_000, max: 300_000 } } });
    const begin = await h.beginBiometry(token, { TimeoutSec: 100 });
    await h.control('POST', '/clock', { advanceMs: 100_000 });
    expect((await end(begin.json.OperationId)).json.Status).toBe(3);
  });

  it('mix picks an outcome per operation by weight', async () => {
    await h.scenario({
      user: {
        mix: [
          { outcome: 'reject', weight: 1 },
          { outcome: 'accept', weight: 0 },
        ],
      },
    });
    for (let i = 0; i < 5; i += 1)
      expect((await end((await h.beginBiometry(token)).json.OperationId)).json.Status).toBe(2);
    await h.scenario({
      user: {
        mix: [
          { outcome: 'reject', weight: 1 },
          { outcome: 'accept', weight: 1 },
        ],
      },
    });
    const seen = new Set<number>();
    for (let i = 0; i < 200 && seen.size < 2; i += 1)
      seen.add((await end((await h.beginBiometry(token)).json.OperationId)).json.Status);
    expect([...seen].sort()).toEqual([1, 2]);
    await h.scenario({ user: { mix: null, outcome: 'cancel' } });
    expect((await end((await h.beginBiometry(token)).json.OperationId)).json.Status).toBe(5);
  });

  it('Create New Operation needs an existing account; GetForeignBiometry yields a TempId via /result and the foreign GET', async () => {
    const missing = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: { AccountNumber: 'nobody', Name: 'GetForeignBiometry', Timeout: 3600, TransportType: 0 },
    });
    expect(missing.status).toBe(404);
    expect(missing.json.ID).toBe('E_ACCOUNT_NOT_FOUND');
    await h.createAccount(token, 'v2-user');
    await h.scenario({ user: { outcome: 'never' } });
    const created = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: {
        AccountNumber: 'v2-user',
        Name: 'GetForeignBiometry',
        Timeout: 3600,
        TransportType: 0,
        Codeword: '',
        Tag: 't-1',
      },
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      OperationId: expect.stringMatching(GUID),
      OneTimeSecret: expect.any(String),
    });
    const id = created.json.OperationId as string;
    const pending = await status(id);
    expect(pending.json).toEqual({
      OperationId: id,
      Name: 'GetForeignBiometry',
      AccountNumber: 'v2-user',
      Status: 0,
      Message: null,
      StartDate: new Date(now).toISOString(),
      EndDate: null,
    });
    expect(
      (await h.call('GET', `${AUTHZ_PREFIX}/v2/operations/${id}/result`, { token })).json.Payload.TempId,
    ).toBeNull();

    await h.control('POST', `/operations/${id}/complete`, { Status: 1 });
    expect((await status(id)).json.Status).toBe(1);
    const result = await h.call('GET', `${AUTHZ_PREFIX}/v2/operations/${id}/result`, { token });
    expect(result.json).toMatchObject({
      Name: 'GetForeignBiometry',
      OperationId: id,
      Payload: { TempId: expect.stringMatching(GUID) },
    });
    const foreign = await end(id, ADMIN_V1);
    expect(foreign.json.TempId).toBe(result.json.Payload.TempId);
    const bound = await h.call('POST', `${ADMIN_V1}/accounts/v2-user/proofedBioCredential`, {
      token,
      body: { TempId: foreign.json.TempId },
    });
    expect(bound.status).toBe(200);
  });

  it('v2 with TransportType 1/2 uses the account contact data and returns no OneTimeSecret', async () => {
    await h.createAccount(token, 'no-contact');
    await h.createAccount(token, 'with-phone', { PhoneNumber: '+15550101' });
    const body = (AccountNumber: string, TransportType: number) => ({
      AccountNumber,
      Name: 'GetForeignBiometry',
      Timeout: 60,
      TransportType,
    });
    expect(
      (await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, { token, body: body('no-contact', 1) })).json.ID,
    ).toBe('E_PHONE_NUMBER_REQUIRED');
    expect(
      (await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, { token, body: body('no-contact', 2) })).json.ID,
    ).toBe('E_EMAIL_REQUIRED');
    expect(
      (await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, { token, body: body('no-contact', 3) })).json.ID,
    ).toBe('E_INVALID_TRANSPORT_TYPE');
    const sms = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, { token, body: body('with-phone', 1) });
    expect(sms.status).toBe(200);
    expect(sms.json.OneTimeSecret).toBeNull();
  });

  it('refuses unknown templates, EnrollBioCredential on an enrolled account, and unknown ids', async () => {
    await h.createAccount(token, 'tpl');
    const unknown = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: { AccountNumber: 'tpl', Name: 'Nope', Timeout: 60, TransportType: 0 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Message).toBe("Operation with name 'Nope' not found");
    const enroll = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: { AccountNumber: 'tpl', Name: 'EnrollBioCredential', Timeout: 60, TransportType: 0 },
    });
    expect(enroll.status).toBe(200);
    expect((await status(enroll.json.OperationId)).json.Status).toBe(1);
    // Accepting an EnrollBioCredential operation enrolled the face: a second one is refused.
    expect((await h.control('GET', '/accounts')).json.accounts[0]).toMatchObject({
      credentials: 1,
      credentialKind: 'biometric',
    });
    const again = await h.call('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: { AccountNumber: 'tpl', Name: 'EnrollBioCredential', Timeout: 60, TransportType: 0 },
    });
    expect(again.status).toBe(409);
    expect(again.json.Message).toBe('Biometric credentials already exist');
    // Not a biometry capture: the foreign endpoint does not know it.
    expect((await end(enroll.json.OperationId)).status).toBe(404);
    for (const res of [
      await status('0000'),
      await end('0000'),
      await h.call('GET', `${AUTHZ_PREFIX}/v2/operations/0000/result`, { token }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.ID).toBe('E_OPERATION_NOT_FOUND');
    }
    // The id without /status is not a route (UAT saw 404s there).
    const bare = await h.call('GET', `${AUTHZ_PREFIX}/v2/operations/${enroll.json.OperationId}`, { token });
    expect(bare.status).toBe(404);
    expect(bare.json.ID).toBe('E_NOT_FOUND');
  });

  it('POST /_emulator/operations/:id/complete forces any status, message and TempId', async () => {
    await h.scenario({ user: { outcome: 'never' } });
    const id = (await h.beginBiometry(token)).json.OperationId as string;
    const forced = await h.control('POST', `/operations/${id}/complete`, {
      Status: 5,
      Message: 'canceled by ops',
    });
    expect(forced.json).toMatchObject({ Status: 5, Message: 'canceled by ops' });
    expect((await end(id)).json).toMatchObject({ Status: 5, Message: 'canceled by ops', TempId: null });
    await h.control('POST', `/operations/${id}/complete`, { Status: 0 });
    expect((await end(id)).json).toMatchObject({ Status: 0, EndDate: null });
    await h.control('POST', `/operations/${id}/complete`, { Status: 1, TempId: 'fixed-temp-id' });
    expect((await end(id)).json.TempId).toBe('fixed-temp-id');
    expect((await h.control('POST', `/operations/${id}/complete`, { Status: 9 })).status).toBe(400);
    expect((await h.control('POST', '/operations/nope/complete', { Status: 1 })).status).toBe(404);
  });

  it('forgets a finished operation after the retention (72 h), and not a pending one', async () => {
    await h.scenario({ user: { outcome: 'never' } });
    const finished = (await h.beginBiometry(token)).json.OperationId as string;
    await h.control('POST', `/operations/${finished}/complete`, { Status: 2 });
    const pending = (
      await h.call('POST', `${ADMIN_V1}/foreignOperations/biometry`, { token, body: { TimeoutSec: 400_000 } })
    ).json.OperationId as string;
    now += 72 * 3600 * 1000 - 1;
    token = await h.token(); // the old one expired meanwhile
    expect((await end(finished)).json).toMatchObject({ Status: 2 });
    now += 1;
    expect((await end(finished)).status).toBe(404);
    expect((await end(pending)).json).toMatchObject({ Status: 0 });
    // Counters still count it under its final status.
    expect((await h.control('GET', '/stats')).json.operations).toMatchObject({ rejected: 1, pending: 1 });
  });
});

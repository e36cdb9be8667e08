import { describe, expect, it } from 'vitest';
import {
  matching,
  anyString,
  ADMIN_PREFIX,
  ADMIN_V1,
  AUTHZ_PREFIX,
  ClockedEmulator,
  type ErrorBody,
  type ForeignOperationView,
  type OperationControlView,
  type OperationResultView,
  type OperationStatusView,
} from './helpers.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('operations: foreign biometry (v1) and v2 operations', () => {
  const t = ClockedEmulator.forBlock('2026-03-01T00:00:00Z');

  const end = <T = ForeignOperationView>(id: string, prefix = ADMIN_PREFIX) =>
    t.h.endBiometry<T>(t.token, id, prefix);
  const status = <T = OperationStatusView>(id: string) =>
    t.h.call<T>('GET', `${AUTHZ_PREFIX}/v2/operations/${id}/status`, { token: t.token });
  const result = <T = OperationResultView>(id: string) =>
    t.h.call<T>('GET', `${AUTHZ_PREFIX}/v2/operations/${id}/result`, { token: t.token });
  /** Create New Operation (v2); `T` is what the test expects back. */
  const createOperation = <T = { OperationId: string; OneTimeSecret: string | null }>(body: unknown) =>
    t.h.call<T>('POST', `${AUTHZ_PREFIX}/v2/operations`, { token: t.token, body });

  it('BeginGetForeignBiometry returns the pending foreign operation result with a base64 OneTimeSecret', async () => {
    const res = await t.h.beginBiometry(t.token);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      OneTimeSecret: anyString,
      TempId: null,
      OperationId: matching(GUID),
      Status: 0,
      Message: null,
      StartDate: new Date(t.now).toISOString(),
      EndDate: null,
    });
    expect(Buffer.from(res.json.OneTimeSecret ?? '', 'base64')).toHaveLength(16);
  });

  it('EndGetForeignBiometry shows Accepted with a TempId under both path forms (default: accept after 0 ms)', async () => {
    const begin = await t.h.call<ForeignOperationView>('POST', `${ADMIN_V1}/foreignOperations/biometry`, {
      token: t.token,
      body: { TimeoutSec: 60 },
    });
    for (const prefix of [ADMIN_PREFIX, ADMIN_V1]) {
      const res = await end(begin.json.OperationId, prefix);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        Status: 1,
        TempId: matching(GUID),
        Message: 'Operation has been accepted by the user.',
        EndDate: anyString,
      });
    }
  });

  it('TransportType 1/2 need a phone/email and return no OneTimeSecret; 3 is 400 E_INVALID_TRANSPORT_TYPE', async () => {
    const sms = await t.h.beginBiometry(t.token, { TransportType: 1, PhoneNumber: '+15550100' });
    expect(sms.status).toBe(200);
    expect(sms.json.OneTimeSecret).toBeNull();
    expect((await end(sms.json.OperationId)).json.OneTimeSecret).toBeNull();
    const email = await t.h.beginBiometry(t.token, { TransportType: 2, Email: 'a@b.c' });
    expect(email.json.OneTimeSecret).toBeNull();
    expect((await t.h.beginBiometry<ErrorBody>(t.token, { TransportType: 1 })).json.ID).toBe(
      'E_PHONE_NUMBER_REQUIRED',
    );
    expect((await t.h.beginBiometry<ErrorBody>(t.token, { TransportType: 2, Email: '' })).json.ID).toBe(
      'E_EMAIL_REQUIRED',
    );
    for (const transport of [3, 7, -1]) {
      const res = await t.h.beginBiometry<ErrorBody>(t.token, { TransportType: transport });
      expect(res.status).toBe(400);
      expect(res.json.ID).toBe('E_INVALID_TRANSPORT_TYPE');
    }
    // The secret still exists for the capture page (the SMS link), visible only to tests.
    expect(
      (await t.h.control<OperationControlView>('GET', `/operations/${sms.json.OperationId}`)).json
        .OneTimeSecret,
    ).toEqual(expect.any(String));
  });

  it('"never" leaves an operation pending until its Timeout elapses on the emulator clock, then Expired (3)', async () => {
    await t.h.scenario({ user: { outcome: 'never' } });
    const begin = await t.h.beginBiometry(t.token, { TimeoutSec: 120 });
    t.now += 119_000;
    expect((await end(begin.json.OperationId)).json.Status).toBe(0);
    t.now += 1_000;
    const res = await end(begin.json.OperationId);
    expect(res.json).toMatchObject({ Status: 3, TempId: null, Message: 'Operation has expired.' });
    expect((await t.h.stats()).operations).toMatchObject({ pending: 0, expired: 1 });
  });

  it('schedules the user outcome after afterMs on the emulator clock, and each outcome maps to its status', async () => {
    const expected = { accept: 1, reject: 2, expire: 3, error: 4, cancel: 5 } as const;
    for (const [outcome, code] of Object.entries(expected)) {
      await t.h.scenario({ user: { outcome, afterMs: 5_000 } });
      const begin = await t.h.beginBiometry(t.token);
      expect((await end(begin.json.OperationId)).json.Status).toBe(0);
      await t.h.control('POST', '/clock', { advanceMs: 5_000 });
      const done = await end(begin.json.OperationId);
      expect(done.json.Status, outcome).toBe(code);
      expect(done.json.TempId === null, outcome).toBe(code !== 1);
    }
    const ops = (await t.h.stats()).operations;
    expect(ops).toEqual({ pending: 0, accepted: 1, rejected: 1, expired: 1, errored: 1, canceled: 1 });
  });

  it('an afterMs beyond the Timeout expires the operation instead', async () => {
    await t.h.scenario({ user: { outcome: 'accept', afterMs: { min: 200_000, max: 300_000 } } });
    const begin = await t.h.beginBiometry(t.token, { TimeoutSec: 100 });
    await t.h.control('POST', '/clock', { advanceMs: 100_000 });
    expect((await end(begin.json.OperationId)).json.Status).toBe(3);
  });

  it('mix picks an outcome per operation by weight', async () => {
    await t.h.scenario({
      user: {
        mix: [
          { outcome: 'reject', weight: 1 },
          { outcome: 'accept', weight: 0 },
        ],
      },
    });
    for (let i = 0; i < 5; i += 1)
      expect((await end((await t.h.beginBiometry(t.token)).json.OperationId)).json.Status).toBe(2);
    await t.h.scenario({
      user: {
        mix: [
          { outcome: 'reject', weight: 1 },
          { outcome: 'accept', weight: 1 },
        ],
      },
    });
    const seen = new Set<number>();
    for (let i = 0; i < 200 && seen.size < 2; i += 1)
      seen.add((await end((await t.h.beginBiometry(t.token)).json.OperationId)).json.Status);
    expect([...seen].sort()).toEqual([1, 2]);
    await t.h.scenario({ user: { mix: null, outcome: 'cancel' } });
    expect((await end((await t.h.beginBiometry(t.token)).json.OperationId)).json.Status).toBe(5);
  });

  it('Create New Operation needs an existing account; GetForeignBiometry yields a TempId via /result and the foreign GET', async () => {
    const missing = await t.h.call<ErrorBody>('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token: t.token,
      body: { AccountNumber: 'nobody', Name: 'GetForeignBiometry', Timeout: 3600, TransportType: 0 },
    });
    expect(missing.status).toBe(404);
    expect(missing.json.ID).toBe('E_ACCOUNT_NOT_FOUND');
    await t.h.createAccount(t.token, 'v2-user');
    await t.h.scenario({ user: { outcome: 'never' } });
    const created = await createOperation({
      AccountNumber: 'v2-user',
      Name: 'GetForeignBiometry',
      Timeout: 3600,
      TransportType: 0,
      Codeword: '',
      Tag: 't-1',
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      OperationId: matching(GUID),
      OneTimeSecret: anyString,
    });
    const id = created.json.OperationId;
    const pending = await status(id);
    expect(pending.json).toEqual({
      OperationId: id,
      Name: 'GetForeignBiometry',
      AccountNumber: 'v2-user',
      Status: 0,
      Message: null,
      StartDate: new Date(t.now).toISOString(),
      EndDate: null,
    });
    expect((await result(id)).json.Payload.TempId).toBeNull();

    await t.h.control('POST', `/operations/${id}/complete`, { Status: 1 });
    expect((await status(id)).json.Status).toBe(1);
    const accepted = await result(id);
    expect(accepted.json).toMatchObject({
      Name: 'GetForeignBiometry',
      OperationId: id,
      Payload: { TempId: matching(GUID) },
    });
    const foreign = await end(id, ADMIN_V1);
    expect(foreign.json.TempId).toBe(accepted.json.Payload.TempId);
    const bound = await t.h.call('POST', `${ADMIN_V1}/accounts/v2-user/proofedBioCredential`, {
      token: t.token,
      body: { TempId: foreign.json.TempId },
    });
    expect(bound.status).toBe(200);
  });

  it('v2 with TransportType 1/2 uses the account contact data and returns no OneTimeSecret', async () => {
    await t.h.createAccount(t.token, 'no-contact');
    await t.h.createAccount(t.token, 'with-phone', { PhoneNumber: '+15550101' });
    const body = (AccountNumber: string, TransportType: number) => ({
      AccountNumber,
      Name: 'GetForeignBiometry',
      Timeout: 60,
      TransportType,
    });
    for (const [transport, id] of [
      [1, 'E_PHONE_NUMBER_REQUIRED'],
      [2, 'E_EMAIL_REQUIRED'],
      [3, 'E_INVALID_TRANSPORT_TYPE'],
    ] as const) {
      expect((await createOperation<ErrorBody>(body('no-contact', transport))).json.ID).toBe(id);
    }
    const sms = await createOperation(body('with-phone', 1));
    expect(sms.status).toBe(200);
    expect(sms.json.OneTimeSecret).toBeNull();
  });

  it('refuses unknown templates, EnrollBioCredential on an enrolled account, and unknown ids', async () => {
    await t.h.createAccount(t.token, 'tpl');
    const unknown = await createOperation<ErrorBody>({
      AccountNumber: 'tpl',
      Name: 'Nope',
      Timeout: 60,
      TransportType: 0,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Message).toBe("Operation with name 'Nope' not found");
    const enrollBody = { AccountNumber: 'tpl', Name: 'EnrollBioCredential', Timeout: 60, TransportType: 0 };
    const enroll = await createOperation(enrollBody);
    expect(enroll.status).toBe(200);
    expect((await status(enroll.json.OperationId)).json.Status).toBe(1);
    // Accepting an EnrollBioCredential operation enrolled the face: a second one is refused.
    expect((await t.h.accounts())[0]).toMatchObject({
      credentials: 1,
      credentialKind: 'biometric',
    });
    const again = await createOperation<ErrorBody>(enrollBody);
    expect(again.status).toBe(409);
    expect(again.json.Message).toBe('Biometric credentials already exist');
    // Not a biometry capture: the foreign endpoint does not know it.
    expect((await end(enroll.json.OperationId)).status).toBe(404);
    for (const res of [
      await status<ErrorBody>('0000'),
      await end<ErrorBody>('0000'),
      await result<ErrorBody>('0000'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.ID).toBe('E_OPERATION_NOT_FOUND');
    }
    // The id without /status is not a route (UAT saw 404s there).
    const bare = await t.h.call<ErrorBody>(
      'GET',
      `${AUTHZ_PREFIX}/v2/operations/${enroll.json.OperationId}`,
      { token: t.token },
    );
    expect(bare.status).toBe(404);
    expect(bare.json.ID).toBe('E_NOT_FOUND');
  });

  it('POST /_emulator/operations/:id/complete forces any status, message and TempId', async () => {
    await t.h.scenario({ user: { outcome: 'never' } });
    const id = (await t.h.beginBiometry(t.token)).json.OperationId;
    const forced = await t.h.control<OperationControlView>('POST', `/operations/${id}/complete`, {
      Status: 5,
      Message: 'canceled by ops',
    });
    expect(forced.json).toMatchObject({ Status: 5, Message: 'canceled by ops' });
    expect((await end(id)).json).toMatchObject({ Status: 5, Message: 'canceled by ops', TempId: null });
    await t.h.control('POST', `/operations/${id}/complete`, { Status: 0 });
    expect((await end(id)).json).toMatchObject({ Status: 0, EndDate: null });
    await t.h.control('POST', `/operations/${id}/complete`, { Status: 1, TempId: 'fixed-temp-id' });
    expect((await end(id)).json.TempId).toBe('fixed-temp-id');
    expect((await t.h.control('POST', `/operations/${id}/complete`, { Status: 9 })).status).toBe(400);
    expect((await t.h.control('POST', '/operations/nope/complete', { Status: 1 })).status).toBe(404);
  });

  it('forgets a finished operation after the retention (72 h), and not a pending one', async () => {
    await t.h.scenario({ user: { outcome: 'never' } });
    const finished = (await t.h.beginBiometry(t.token)).json.OperationId;
    await t.h.control('POST', `/operations/${finished}/complete`, { Status: 2 });
    const pending = (
      await t.h.call<ForeignOperationView>('POST', `${ADMIN_V1}/foreignOperations/biometry`, {
        token: t.token,
        body: { TimeoutSec: 400_000 },
      })
    ).json.OperationId;
    t.now += 72 * 3600 * 1000 - 1;
    t.token = await t.h.token(); // the old one expired meanwhile
    expect((await end(finished)).json).toMatchObject({ Status: 2 });
    t.now += 1;
    expect((await end(finished)).status).toBe(404);
    expect((await end(pending)).json).toMatchObject({ Status: 0 });
    // Counters still count it under its final status.
    expect((await t.h.stats()).operations).toMatchObject({ rejected: 1, pending: 1 });
  });
});

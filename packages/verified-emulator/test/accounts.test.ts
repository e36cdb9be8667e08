import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { ADMIN_PREFIX, ADMIN_V1, ClockedEmulator, type ErrorBody } from './helpers.js';

const HOUR = 3_600_000;

describe('administration service: accounts and credentials', () => {
  const t = ClockedEmulator.forBlock('2026-02-01T00:00:00Z');

  async function acceptedTempId(): Promise<string> {
    const begin = await t.h.beginBiometry(t.token);
    const end = await t.h.endBiometry(t.token, begin.json.OperationId);
    expect(end.json.Status).toBe(1);
    assert.ok(end.json.TempId !== null);
    return end.json.TempId;
  }

  for (const prefix of [ADMIN_V1, ADMIN_PREFIX]) {
    it(`creates, reads and deletes an account under ${prefix.endsWith('/v1') ? '/v1' : 'the unversioned path'}`, async () => {
      const created = await t.h.call('POST', `${prefix}/accounts`, {
        token: t.token,
        body: {
          AccountNumber: 'user.1@x',
          Version: 0,
          DisplayName: 'User One',
          Custom: true,
          Email: 'u@x.io',
          Unknown: 'tolerated',
        },
      });
      expect(created.status).toBe(200);
      expect(created.json).toMatchObject({
        AccountNumber: 'user.1@x',
        DisplayName: 'User One',
        Email: 'u@x.io',
        Enabled: true,
        Version: 0,
      });
      const got = await t.h.call<{ AccountNumber: string }>('GET', `${prefix}/accounts/user.1@x`, {
        token: t.token,
      });
      expect(got.status).toBe(200);
      expect(got.json.AccountNumber).toBe('user.1@x');
      const deleted = await t.h.call('DELETE', `${prefix}/accounts/user.1@x`, { token: t.token });
      expect(deleted.status).toBe(200);
      const missing = await t.h.call('GET', `${prefix}/accounts/user.1@x`, { token: t.token });
      expect(missing.status).toBe(200);
      expect(missing.text).toBe('null');
      expect(missing.headers.get('content-type')).toContain('application/json');
    });
  }

  it('answers a duplicate AccountNumber with 409 E_ACCOUNT_ALREADY_EXISTS and counts it', async () => {
    expect((await t.h.createAccount(t.token, 'dup-1')).status).toBe(200);
    const dup = await t.h.call<ErrorBody>('POST', `${ADMIN_PREFIX}/accounts`, {
      token: t.token,
      body: { AccountNumber: 'dup-1', DisplayName: 'again' },
    });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ ID: 'E_ACCOUNT_ALREADY_EXISTS', Message: 'Account already exists' });
    const stats = await t.h.stats();
    expect(stats.accounts).toBe(1);
    expect(stats.duplicateCreates.account).toBe(1);
    expect(stats.calls.createAccount).toBe(2);
    const accounts = await t.h.accounts();
    expect(accounts).toEqual([
      {
        accountNumber: 'dup-1',
        createAttempts: 2,
        credentials: 0,
        credentialCreates: 0,
        credentialKind: null,
      },
    ]);
  });

  it('validates AccountNumber against ^[A-Za-z0-9._@+-]{1,128}$ and the body against the model', async () => {
    for (const bad of ['has space', 'slash/inside', 'x'.repeat(129), '', 'ünï']) {
      const res = await t.h.createAccount<ErrorBody>(t.token, bad, { DisplayName: 'Someone' });
      expect(res.status, bad).toBe(400);
      expect(res.json.ID, bad).toBe('E_INVALID_ACCOUNT_NUMBER');
    }
    expect((await t.h.createAccount(t.token, 'x'.repeat(128))).status).toBe(200);
    const viaPath = await t.h.call<ErrorBody>('GET', `${ADMIN_V1}/accounts/${encodeURIComponent('a b')}`, {
      token: t.token,
    });
    expect(viaPath.status).toBe(400);
    expect(viaPath.json.ID).toBe('E_INVALID_ACCOUNT_NUMBER');
    const noName = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts`, {
      token: t.token,
      body: { AccountNumber: 'ok-1' },
    });
    expect(noName.status).toBe(400);
    expect(noName.json.ID).toBe('E_INVALID_REQUEST');
    expect(noName.json.Message).toContain('DisplayName');
    const badJson = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts`, {
      token: t.token,
      rawBody: '{"AccountNumber":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json.ID).toBe('E_INVALID_REQUEST');
  });

  it('binds a TempId as the proofed credential once; a second one is E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS', async () => {
    await t.h.createAccount(t.token, 'proofed-1');
    const tempId = await acceptedTempId();
    const bound = await t.h.call('POST', `${ADMIN_V1}/accounts/proofed-1/proofedBioCredential`, {
      token: t.token,
      body: { TempId: tempId },
    });
    expect(bound.status).toBe(200);
    expect(bound.json).toMatchObject({ IsProofed: true, CredentialType: 1 });
    const again = await t.h.call<ErrorBody>(
      'POST',
      `${ADMIN_PREFIX}/accounts/proofed-1/proofedBioCredential`,
      {
        token: t.token,
        body: { TempId: tempId },
      },
    );
    expect(again.status).toBe(409);
    expect(again.json.ID).toBe('E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS');
    const stats = await t.h.stats();
    expect(stats.credentials).toBe(1);
    expect(stats.duplicateCreates.credential).toBe(1);
    const [view] = await t.h.accounts();
    expect(view).toEqual({
      accountNumber: 'proofed-1',
      createAttempts: 1,
      credentials: 1,
      credentialCreates: 2,
      credentialKind: 'proofed',
    });
  });

  it('refuses a TempId older than 72 hours with 400 E_TEMPID_EXPIRED, and an unknown one', async () => {
    await t.h.createAccount(t.token, 'late-1');
    const tempId = await acceptedTempId();
    t.now += 72 * HOUR - 1;
    await t.h.control('POST', '/clock', { advanceMs: 0 });
    t.token = await t.h.token();
    await t.h.createAccount(t.token, 'late-2');
    const stillOk = await t.h.call('POST', `${ADMIN_V1}/accounts/late-2/proofedBioCredential`, {
      token: t.token,
      body: { TempId: tempId },
    });
    expect(stillOk.status).toBe(200);
    t.now += 1;
    const expired = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts/late-1/proofedBioCredential`, {
      token: t.token,
      body: { TempId: tempId },
    });
    expect(expired.status).toBe(400);
    expect(expired.json.ID).toBe('E_TEMPID_EXPIRED');
    const unknown = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts/late-1/proofedBioCredential`, {
      token: t.token,
      body: { TempId: 'nope' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.ID).toBe('E_TEMPID_NOT_FOUND');
    expect((await t.h.stats()).credentials).toBe(1);
  });

  it('TempId expiry also follows POST /_emulator/clock', async () => {
    await t.h.createAccount(t.token, 'late-3');
    const tempId = await acceptedTempId();
    await t.h.control('POST', '/clock', { advanceMs: 72 * HOUR });
    t.token = await t.h.token();
    const expired = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts/late-3/proofedBioCredential`, {
      token: t.token,
      body: { TempId: tempId },
    });
    expect(expired.json.ID).toBe('E_TEMPID_EXPIRED');
  });

  it('creates a biometric credential from base64 data, refuses a second, and deletes it', async () => {
    await t.h.createAccount(t.token, 'bio-1');
    const body = {
      ExternalId: null,
      Description: 'Main',
      CredentialType: 1,
      DataType: 1,
      Data: Buffer.from('face').toString('base64'),
      IsProofed: false,
      SourceCredentials: [],
      DeletedDate: null,
    };
    const created = await t.h.call('POST', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, {
      token: t.token,
      body,
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      Description: 'Main',
      CredentialType: 1,
      DataType: 1,
      IsProofed: false,
      Data: null,
    });
    const dup = await t.h.call<ErrorBody>('POST', `${ADMIN_V1}/accounts/bio-1/bioCredential`, {
      token: t.token,
      body,
    });
    expect(dup.status).toBe(409);
    expect(dup.json.ID).toBe('E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS');
    expect((await t.h.accounts())[0]?.credentialKind).toBe('biometric');
    expect(
      (await t.h.call('DELETE', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, { token: t.token })).status,
    ).toBe(200);
    expect(
      (await t.h.call<ErrorBody>('DELETE', `${ADMIN_V1}/accounts/bio-1/bioCredential`, { token: t.token }))
        .json.ID,
    ).toBe('E_ACCOUNT_BIOCREDENTIAL_NOT_FOUND');
    const stats = await t.h.stats();
    expect(stats.credentials).toBe(0);
    expect(stats.calls.deleteCredential).toBe(2);
    const notBase64 = await t.h.call('POST', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, {
      token: t.token,
      body: { ...body, Data: 'not base64!' },
    });
    expect(notBase64.status).toBe(400);
  });

  it('answers writes on a missing account with 404 E_ACCOUNT_NOT_FOUND', async () => {
    for (const [method, path, body] of [
      ['DELETE', `${ADMIN_V1}/accounts/ghost`, undefined],
      ['POST', `${ADMIN_V1}/accounts/ghost/proofedBioCredential`, { TempId: 'x' }],
      ['POST', `${ADMIN_V1}/accounts/ghost/bioCredential`, { Data: 'AAAA' }],
    ] as const) {
      const res = await t.h.call<ErrorBody>(method, path, { token: t.token, body });
      expect(res.status, path).toBe(404);
      expect(res.json.ID).toBe('E_ACCOUNT_NOT_FOUND');
    }
  });
});

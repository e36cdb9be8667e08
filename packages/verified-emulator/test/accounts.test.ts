import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PREFIX, ADMIN_V1, EmulatorHarness } from './helpers.js';

const HOUR = 3_600_000;

describe('administration service: accounts and credentials', () => {
  let now = Date.parse('2026-02-01T00:00:00Z');
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

  async function acceptedTempId(): Promise<string> {
    const begin = await h.beginBiometry(token);
    const end = await h.call('GET', `${ADMIN_PREFIX}/foreignOperations/biometry/${begin.json.OperationId}`, {
      token,
    });
    expect(end.json.Status).toBe(1);
    return end.json.TempId as string;
  }

  for (const prefix of [ADMIN_V1, ADMIN_PREFIX]) {
    it(`creates, reads and deletes an account under ${prefix.endsWith('/v1') ? '/v1' : 'the unversioned path'}`, async () => {
      const created = await h.call('POST', `${prefix}/accounts`, {
        token,
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
      const got = await h.call('GET', `${prefix}/accounts/user.1@x`, { token });
      expect(got.status).toBe(200);
      expect(got.json.AccountNumber).toBe('user.1@x');
      const deleted = await h.call('DELETE', `${prefix}/accounts/user.1@x`, { token });
      expect(deleted.status).toBe(200);
      const missing = await h.call('GET', `${prefix}/accounts/user.1@x`, { token });
      expect(missing.status).toBe(200);
      expect(missing.text).toBe('null');
      expect(missing.headers.get('content-type')).toContain('application/json');
    });
  }

  it('answers a duplicate AccountNumber with 409 E_ACCOUNT_ALREADY_EXISTS and counts it', async () => {
    expect((await h.createAccount(token, 'dup-1')).status).toBe(200);
    const dup = await h.call('POST', `${ADMIN_PREFIX}/accounts`, {
      token,
      body: { AccountNumber: 'dup-1', DisplayName: 'again' },
    });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ ID: 'E_ACCOUNT_ALREADY_EXISTS', Message: 'Account already exists' });
    const stats = (await h.control('GET', '/stats')).json;
    expect(stats.accounts).toBe(1);
    expect(stats.duplicateCreates.account).toBe(1);
    expect(stats.calls.createAccount).toBe(2);
    const accounts = (await h.control('GET', '/accounts')).json.accounts;
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
      const res = await h.createAccount(token, bad, { DisplayName: 'Someone' });
      expect(res.status, bad).toBe(400);
      expect(res.json.ID, bad).toBe('E_INVALID_ACCOUNT_NUMBER');
    }
    expect((await h.createAccount(token, 'x'.repeat(128))).status).toBe(200);
    const viaPath = await h.call('GET', `${ADMIN_V1}/accounts/${encodeURIComponent('a b')}`, { token });
    expect(viaPath.status).toBe(400);
    expect(viaPath.json.ID).toBe('E_INVALID_ACCOUNT_NUMBER');
    const noName = await h.call('POST', `${ADMIN_V1}/accounts`, { token, body: { AccountNumber: 'ok-1' } });
    expect(noName.status).toBe(400);
    expect(noName.json.ID).toBe('E_INVALID_REQUEST');
    expect(noName.json.Message).toContain('DisplayName');
    const badJson = await h.call('POST', `${ADMIN_V1}/accounts`, {
      token,
      rawBody: '{"AccountNumber":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json.ID).toBe('E_INVALID_REQUEST');
  });

  it('binds a TempId as the proofed credential once; a second one is E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS', async () => {
    await h.createAccount(token, 'proofed-1');
    const tempId = await acceptedTempId();
    const bound = await h.call('POST', `${ADMIN_V1}/accounts/proofed-1/proofedBioCredential`, {
      token,
      body: { TempId: tempId },
    });
    expect(bound.status).toBe(200);
    expect(bound.json).toMatchObject({ IsProofed: true, CredentialType: 1 });
    const again = await h.call('POST', `${ADMIN_PREFIX}/accounts/proofed-1/proofedBioCredential`, {
      token,
      body: { TempId: tempId },
    });
    expect(again.status).toBe(409);
    expect(again.json.ID).toBe('E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS');
    const stats = (await h.control('GET', '/stats')).json;
    expect(stats.credentials).toBe(1);
    expect(stats.duplicateCreates.credential).toBe(1);
    const [view] = (await h.control('GET', '/accounts')).json.accounts;
    expect(view).toEqual({
      accountNumber: 'proofed-1',
      createAttempts: 1,
      credentials: 1,
      credentialCreates: 2,
      credentialKind: 'proofed',
    });
  });

  it('refuses a TempId older than 72 hours with 400 E_TEMPID_EXPIRED, and an unknown one', async () => {
    await h.createAccount(token, 'late-1');
    const tempId = await acceptedTempId();
    now += 72 * HOUR - 1;
    await h.control('POST', '/clock', { advanceMs: 0 });
    token = await h.token();
    await h.createAccount(token, 'late-2');
    const stillOk = await h.call('POST', `${ADMIN_V1}/accounts/late-2/proofedBioCredential`, {
      token,
      body: { TempId: tempId },
    });
    expect(stillOk.status).toBe(200);
    now += 1;
    const expired = await h.call('POST', `${ADMIN_V1}/accounts/late-1/proofedBioCredential`, {
      token,
      body: { TempId: tempId },
    });
    expect(expired.status).toBe(400);
    expect(expired.json.ID).toBe('E_TEMPID_EXPIRED');
    const unknown = await h.call('POST', `${ADMIN_V1}/accounts/late-1/proofedBioCredential`, {
      token,
      body: { TempId: 'nope' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.ID).toBe('E_TEMPID_NOT_FOUND');
    expect((await h.control('GET', '/stats')).json.credentials).toBe(1);
  });

  it('TempId expiry also follows POST /_emulator/clock', async () => {
    await h.createAccount(token, 'late-3');
    const tempId = await acceptedTempId();
    await h.control('POST', '/clock', { advanceMs: 72 * HOUR });
    token = await h.token();
    const expired = await h.call('POST', `${ADMIN_V1}/accounts/late-3/proofedBioCredential`, {
      token,
      body: { TempId: tempId },
    });
    expect(expired.json.ID).toBe('E_TEMPID_EXPIRED');
  });

  it('creates a biometric credential from base64 data, refuses a second, and deletes it', async () => {
    await h.createAccount(token, 'bio-1');
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
    const created = await h.call('POST', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, { token, body });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      Description: 'Main',
      CredentialType: 1,
      DataType: 1,
      IsProofed: false,
      Data: null,
    });
    const dup = await h.call('POST', `${ADMIN_V1}/accounts/bio-1/bioCredential`, { token, body });
    expect(dup.status).toBe(409);
    expect(dup.json.ID).toBe('E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS');
    expect((await h.control('GET', '/accounts')).json.accounts[0].credentialKind).toBe('biometric');
    expect((await h.call('DELETE', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, { token })).status).toBe(
      200,
    );
    expect((await h.call('DELETE', `${ADMIN_V1}/accounts/bio-1/bioCredential`, { token })).json.ID).toBe(
      'E_ACCOUNT_BIOCREDENTIAL_NOT_FOUND',
    );
    const stats = (await h.control('GET', '/stats')).json;
    expect(stats.credentials).toBe(0);
    expect(stats.calls.deleteCredential).toBe(2);
    const notBase64 = await h.call('POST', `${ADMIN_PREFIX}/accounts/bio-1/bioCredential`, {
      token,
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
      const res = await h.call(method, path, { token, body });
      expect(res.status, path).toBe(404);
      expect(res.json.ID).toBe('E_ACCOUNT_NOT_FOUND');
    }
  });
});

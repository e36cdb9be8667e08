// VerifiedClient against the emulator over real sockets: tokens, accounts, credentials and the three flows.
import assert from 'node:assert/strict';
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import {
  AccountAlreadyExistsError,
  CredentialAlreadyExistsError,
  TempIdExpiredError,
  captureUrl,
} from '../src/index.js';
import {
  TEMPID_LIFETIME_MS,
  anyString,
  emulator,
  control,
  client,
  accountNumber,
  outcomesOf,
  acceptedCapture,
} from './helpers/contract-fixture.js';

describe('contract: tokens', () => {
  it('authenticates once and shares the token across calls', async () => {
    await Promise.all([
      client.getAccount(accountNumber()),
      client.getAccount(accountNumber()),
      client.getWebhookSettings(),
    ]);
    expect((await control.stats()).calls.token).toBe(1);
    expect(outcomesOf('getAccount')).toEqual(['ok', 'ok']);
  });

  it('re-authenticates after a 401: expired token → refresh (once) → the call succeeds', async () => {
    await client.getWebhookSettings();
    await control.advanceClock(901_000); // past the emulator's 900 s access-token lifetime
    await client.getWebhookSettings();
    expect(outcomesOf('webhookSettings')).toEqual(['ok', 'upstream_unauthenticated', 'ok']);
    expect(outcomesOf('refresh')).toEqual(['ok']);
    const stats = await control.stats();
    expect(stats.calls).toMatchObject({ token: 1, refresh: 1 });
  });

  it('falls back to the API key when the refresh token is no longer accepted', async () => {
    await client.getWebhookSettings();
    await control.advanceClock(25 * 60 * 60 * 1000); // past the refresh token's lifetime too
    await client.getWebhookSettings();
    expect(outcomesOf('refresh')).toEqual(['upstream_unauthenticated']);
    expect(outcomesOf('token')).toEqual(['ok', 'ok']);
    expect(outcomesOf('webhookSettings').at(-1)).toBe('ok');
  });

  it('refreshes before expiry with a short tokenTtlSec, each refresh token used once', async () => {
    await control.scenario({ tokenTtlSec: 1 });
    await waitFor('two proactive refreshes', async () => {
      await client.getWebhookSettings();
      return outcomesOf('refresh').length >= 2;
    });
    expect(outcomesOf('refresh').every((o) => o === 'ok')).toBe(true);
    expect(outcomesOf('webhookSettings').at(-1)).toBe('ok');
    expect((await control.stats()).calls.token).toBe(1);
  });
});

describe('contract: accounts and credentials', () => {
  it('returns null for a missing account, creates one, and reports a duplicate with the upstream ID kept', async () => {
    const number = accountNumber();
    expect(await client.getAccount(number)).toBeNull();
    const created = await client.createAccount({
      accountNumber: number,
      displayName: 'Ada Lovelace',
      email: 'ada@example.org',
    });
    expect(created).toMatchObject({ accountNumber: number, displayName: 'Ada Lovelace' });
    expect(await client.getAccount(number)).toMatchObject({
      accountNumber: number,
      displayName: 'Ada Lovelace',
      email: 'ada@example.org',
    });

    const duplicate = await client
      .createAccount({ accountNumber: number, displayName: 'Someone else' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(AccountAlreadyExistsError);
    expect(duplicate).toMatchObject({
      code: 'account_exists',
      upstreamId: 'E_ACCOUNT_ALREADY_EXISTS',
      retryable: false,
      endpoint: 'createAccount',
    });
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ accountNumber: number, createAttempts: 2, credentials: 0 }),
    ]);
  });

  it('runs the capture flow: begin → poll → account → proofed credential; a second credential is a duplicate', async () => {
    const { begun, done, tempId } = await acceptedCapture(client);
    assert.ok(typeof begun.oneTimeSecret === 'string');
    expect(captureUrl(emulator.baseUrl, 'operation', begun.operationId, begun.oneTimeSecret)).toContain(
      `?i=${begun.operationId}&s=`,
    );
    expect(done).toMatchObject({ operationId: begun.operationId, status: 1, tempId: anyString });

    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Grace Hopper' });
    await client.createProofedBiometricCredential(number, tempId);
    const again = await client.createProofedBiometricCredential(number, tempId).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CredentialAlreadyExistsError);
    expect(again).toMatchObject({
      code: 'credential_exists',
      upstreamId: 'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS',
    });
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ accountNumber: number, credentials: 1, credentialKind: 'proofed' }),
    ]);
  });

  it('runs the import flow and deletes idempotently', async () => {
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Imported' });
    await client.createBiometricCredential(number, {
      data: Buffer.from('fake jpeg bytes').toString('base64'),
      description: 'import',
    });
    await expect(
      client.createBiometricCredential(number, { data: Buffer.from('other').toString('base64') }),
    ).rejects.toBeInstanceOf(CredentialAlreadyExistsError);
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ credentials: 1, credentialKind: 'biometric' }),
    ]);
    await client.deleteBiometricCredential(number);
    await client.deleteBiometricCredential(number);
    expect(await control.accounts()).toEqual([expect.objectContaining({ credentials: 0 })]);
    await client.deleteAccount(number);
    await client.deleteAccount(number);
    expect(await client.getAccount(number)).toBeNull();
  });

  it('runs the recapture flow on v2 operations: create → status → result TempId → credential', async () => {
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Recapture' });
    const created = await client.createOperation({
      accountNumber: number,
      name: 'GetForeignBiometry',
      timeoutSec: 3600,
      transportType: 0,
      tag: 'e-1',
    });
    expect(created).toEqual({ operationId: anyString, oneTimeSecret: anyString });
    const status = await waitFor('the operation to finish', async () => {
      const s = await client.getOperationStatus(created.operationId);
      return s.status !== 0 && s;
    });
    expect(status.status).toBe(1);
    const result = await client.getOperationResult(created.operationId);
    expect(result).toMatchObject({
      operationId: created.operationId,
      name: 'GetForeignBiometry',
      tempId: anyString,
    });
    assert.ok(result.tempId);
    await client.createProofedBiometricCredential(number, result.tempId);
    expect(await control.accounts()).toEqual([
      expect.objectContaining({ credentials: 1, credentialKind: 'proofed' }),
    ]);
  });

  it('reports an expired TempId as TempIdExpiredError', async () => {
    const { tempId } = await acceptedCapture(client);
    const number = accountNumber();
    await client.createAccount({ accountNumber: number, displayName: 'Late' });
    await control.advanceClock(TEMPID_LIFETIME_MS + 60_000);
    const error = await client.createProofedBiometricCredential(number, tempId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempIdExpiredError);
    expect(error).toMatchObject({ code: 'tempid_expired', retryable: false, upstreamId: 'E_TEMPID_EXPIRED' });
  });

  it('returns no OneTimeSecret for SMS and email transports', async () => {
    const sms = await client.beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 600,
      transportType: 1,
      phoneNumber: '+15555550100',
    });
    const email = await client.beginForeignBiometry({
      checkLiveness: true,
      timeoutSec: 600,
      transportType: 2,
      email: 'x@example.org',
    });
    expect(sms).toMatchObject({ operationId: anyString, oneTimeSecret: null, status: 0 });
    expect(email).toMatchObject({ operationId: anyString, oneTimeSecret: null, status: 0 });
  });
});

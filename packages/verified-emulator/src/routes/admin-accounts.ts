import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { EmulatorContext } from '../emulator-context.js';
import { endpoint } from '../endpoint.js';
import { UpstreamApiError } from '../errors.js';
import { newGuid } from '../ids.js';
import {
  bioCredentialSchema,
  checkAccountNumber,
  createAccountSchema,
  proofedCredentialSchema,
} from '../request-schemas.js';
import type { AccountRecord } from '../state/accounts.js';

type AccountParams = { accountNumber: string };

const accountNotFound = (accountNumber: string): UpstreamApiError =>
  // Emulator assumption: writes on a missing account are 404 (only GET is documented, as 200 null).
  new UpstreamApiError(404, 'E_ACCOUNT_NOT_FOUND', `Account '${accountNumber}' not found.`);

const credentialExists = (): UpstreamApiError =>
  // The ID is documented (PSD2); the 409 status is an emulator assumption matching E_ACCOUNT_ALREADY_EXISTS.
  new UpstreamApiError(409, 'E_ACCOUNT_BIOCREDENTIAL_ALREADY_EXISTS', 'Biometric credentials already exist');

function existingAccount(ctx: EmulatorContext, rawAccountNumber: string): AccountRecord {
  const accountNumber = checkAccountNumber(rawAccountNumber);
  const record = ctx.state.accounts.get(accountNumber);
  if (!record) throw accountNotFound(accountNumber);
  return record;
}

/**
 * The account a credential create names, with the request body, counted as an attempt; the account holds
 * one credential, so a second create is refused (409) and counted as a duplicate.
 */
function credentialCreate<S extends z.ZodType>(
  ctx: EmulatorContext,
  request: FastifyRequest,
  schema: S,
): { record: AccountRecord; body: z.output<S> } {
  const record = existingAccount(ctx, (request.params as AccountParams).accountNumber);
  const body = schema.parse(request.body);
  record.credentialCreates += 1;
  if (record.credential) {
    ctx.state.accounts.duplicateCredentialCreates += 1;
    throw credentialExists();
  }
  return { record, body };
}

/** Accounts and their (single) biometric credential, on one Administration Service prefix. */
export function registerAccountRoutes(app: FastifyInstance, ctx: EmulatorContext, prefix: string): void {
  const { state, clock } = ctx;

  app.post(
    `${prefix}/accounts`,
    endpoint(ctx, 'createAccount', { auth: true }, (request) => {
      const body = createAccountSchema.parse(request.body);
      const accountNumber = checkAccountNumber(body.AccountNumber);
      const existing = state.accounts.get(accountNumber);
      if (existing) {
        existing.createAttempts += 1;
        state.accounts.duplicateAccountCreates += 1;
        throw new UpstreamApiError(409, 'E_ACCOUNT_ALREADY_EXISTS', 'Account already exists');
      }
      const record = state.accounts.create({
        AccountNumber: accountNumber,
        Version: 0,
        DisplayName: body.DisplayName,
        CustomDisplayName: body.CustomDisplayName ?? null,
        Description: body.Description ?? null,
        Currency: null,
        External: false,
        Rules: body.Rules ?? 0,
        Enabled: body.Enabled ?? true,
        Custom: body.Custom ?? true,
        DisableReason: body.DisableReason ?? null,
        Email: body.Email ?? null,
        PhoneNumber: body.PhoneNumber ?? null,
        EmailVerified: body.EmailVerified ?? false,
        PhoneNumberVerified: body.PhoneNumberVerified ?? false,
        DeletedDate: null,
      });
      return { body: record.account };
    }),
  );

  app.get<{ Params: AccountParams }>(
    `${prefix}/accounts/:accountNumber`,
    endpoint(ctx, 'getAccount', { auth: true }, (request) => {
      const { accountNumber } = request.params as AccountParams;
      // The real API answers a missing account with 200 and a `null` body, not 404 (§3.6).
      return { body: state.accounts.get(checkAccountNumber(accountNumber))?.account ?? null };
    }),
  );

  app.delete<{ Params: AccountParams }>(
    `${prefix}/accounts/:accountNumber`,
    endpoint(ctx, 'deleteAccount', { auth: true }, (request) => {
      const record = existingAccount(ctx, (request.params as AccountParams).accountNumber);
      state.accounts.delete(record.account.AccountNumber);
      // Emulator assumption: the delete response body is unknown; `true` is what the older API returned.
      return { body: true };
    }),
  );

  app.post<{ Params: AccountParams }>(
    `${prefix}/accounts/:accountNumber/proofedBioCredential`,
    endpoint(ctx, 'proofedCredential', { auth: true }, (request) => {
      const { record, body } = credentialCreate(ctx, request, proofedCredentialSchema);
      const tempId = state.tempIds.lookup(body.TempId, clock.now());
      if (!tempId.ok) {
        // Emulator assumption (§9 #17): both IDs are invented; the 72 h limit is documented.
        throw tempId.reason === 'expired'
          ? new UpstreamApiError(400, 'E_TEMPID_EXPIRED', 'The TempId has expired or its data was purged.')
          : new UpstreamApiError(400, 'E_TEMPID_NOT_FOUND', 'The TempId is not valid.');
      }
      const credential = {
        Id: newGuid(),
        ExternalId: null,
        Description: 'Proofed biometric credential',
        CredentialType: 1,
        DataType: 1,
        Data: null,
        IsProofed: true,
        SourceCredentials: [],
        CreatedDate: clock.iso(),
        DeletedDate: null,
      };
      state.accounts.attachCredential(record, 'proofed', credential);
      return { body: credential };
    }),
  );

  app.post<{ Params: AccountParams }>(
    `${prefix}/accounts/:accountNumber/bioCredential`,
    endpoint(ctx, 'bioCredential', { auth: true }, (request) => {
      const { record, body } = credentialCreate(ctx, request, bioCredentialSchema);
      // §9 #12: enum values are echoed back; the image bytes are not kept (nor returned).
      const credential = {
        Id: newGuid(),
        ExternalId: body.ExternalId ?? null,
        Description: body.Description ?? null,
        CredentialType: body.CredentialType ?? 1,
        DataType: body.DataType ?? 1,
        Data: null,
        IsProofed: body.IsProofed ?? false,
        SourceCredentials: body.SourceCredentials ?? [],
        CreatedDate: clock.iso(),
        DeletedDate: null,
      };
      state.accounts.attachCredential(record, 'biometric', credential);
      return { body: credential };
    }),
  );

  app.delete<{ Params: AccountParams }>(
    `${prefix}/accounts/:accountNumber/bioCredential`,
    endpoint(ctx, 'deleteCredential', { auth: true }, (request) => {
      const record = existingAccount(ctx, (request.params as AccountParams).accountNumber);
      if (!state.accounts.detachCredential(record)) {
        throw new UpstreamApiError(
          404,
          'E_ACCOUNT_BIOCREDENTIAL_NOT_FOUND',
          'The account has no biometric credential.',
        );
      }
      return { body: true };
    }),
  );
}

import { describe, expect, it } from 'vitest';
import { accountSchema, maybeAccountSchema, toCreateAccountWire } from '../src/schemas/account.js';
import { toBiometricCredentialWire } from '../src/schemas/credential.js';
import { foreignOperationSchema, toBeginForeignBiometryWire } from '../src/schemas/foreign-operation.js';
import {
  operationResultSchema,
  operationStatusSchema,
  toCreateOperationWire,
} from '../src/schemas/operation.js';
import { tokenResponseSchema } from '../src/schemas/token.js';
import { toWebhookSettingsWire, webhookSettingsSchema } from '../src/schemas/webhook-settings.js';

describe('wire schemas: PascalCase in, camelCase out, unknown fields tolerated', () => {
  it('maps a pending and an accepted foreign operation', () => {
    const pending = foreignOperationSchema.parse({
      OneTimeSecret: 'TbAeETwpOxbvKy7rWCeOcQ==',
      TempId: null,
      OperationId: '113e838b-be34-53e9-c52f-3cc45b2d10ce',
      Status: 0,
      Message: null,
      StartDate: '2021-10-13T15:59:25.06Z',
      EndDate: null,
      Unknown: 42,
    });
    expect(pending).toEqual({
      operationId: '113e838b-be34-53e9-c52f-3cc45b2d10ce',
      status: 0,
      oneTimeSecret: 'TbAeETwpOxbvKy7rWCeOcQ==',
      tempId: null,
      message: null,
      startDate: '2021-10-13T15:59:25.06Z',
      endDate: null,
    });
    const accepted = foreignOperationSchema.parse({
      OperationId: 'op',
      Status: 1,
      TempId: 'temp-1',
      Message: 'Operation has been accepted by the user.',
    });
    expect(accepted).toMatchObject({ status: 1, tempId: 'temp-1', oneTimeSecret: null, endDate: null });
  });

  it('rejects an unknown status or a missing OperationId', () => {
    expect(foreignOperationSchema.safeParse({ OperationId: 'op', Status: 9 }).success).toBe(false);
    expect(foreignOperationSchema.safeParse({ Status: 0 }).success).toBe(false);
    expect(operationStatusSchema.safeParse({ Message: 'x' }).success).toBe(false);
  });

  it('reads TempId from the operation result payload', () => {
    const result = operationResultSchema.parse({
      Name: 'GetForeignBiometry',
      OperationId: 'op',
      Payload: { TempId: 't-1', Other: 1 },
    });
    expect(result).toEqual({
      name: 'GetForeignBiometry',
      operationId: 'op',
      payload: { TempId: 't-1', Other: 1 },
      tempId: 't-1',
    });
    expect(
      operationResultSchema.parse({ Name: 'GetForeignBiometry', OperationId: 'op', Payload: null }).tempId,
    ).toBeNull();
  });

  it('maps an account and treats a null body as absent', () => {
    expect(maybeAccountSchema.parse(null)).toBeNull();
    const account = accountSchema.parse({
      AccountNumber: 'a-1',
      DisplayName: 'Ada',
      Enabled: true,
      Version: 0,
      UIN: 7,
      Email: '',
    });
    expect(account).toEqual({
      accountNumber: 'a-1',
      displayName: 'Ada',
      customDisplayName: null,
      description: null,
      email: null,
      phoneNumber: null,
      enabled: true,
      version: 0,
    });
  });

  it('requires an access token in token responses', () => {
    expect(tokenResponseSchema.safeParse({ RefreshToken: 'r' }).success).toBe(false);
    expect(tokenResponseSchema.parse({ AccessToken: 'a', RefreshToken: 'r', Extra: 1 })).toMatchObject({
      AccessToken: 'a',
      RefreshToken: 'r',
    });
  });

  it('round-trips webhook settings through the wire shape', () => {
    const wire = toWebhookSettingsWire({
      enabled: true,
      secretKey: 's3cret',
      webHook: { url: 'http://x/hook', authMode: 1, login: 'u', password: 'p' },
    });
    expect(wire).toEqual({
      Enabled: true,
      SecretKey: 's3cret',
      Version: 0,
      WebHook: {
        Url: 'http://x/hook',
        ConnectTimeout: 10,
        AuthMode: 1,
        Login: 'u',
        Password: 'p',
        IsValidateCertificate: true,
        AllowedServerCertificateThumbprints: null,
      },
    });
    expect(webhookSettingsSchema.parse(wire)).toEqual({
      enabled: true,
      secretKey: 's3cret',
      version: 0,
      webHook: {
        url: 'http://x/hook',
        connectTimeout: 10,
        authMode: 1,
        login: 'u',
        password: 'p',
        isValidateCertificate: true,
        allowedServerCertificateThumbprints: null,
      },
    });
  });
});

describe('request mappers', () => {
  it('builds BeginGetForeignBiometry without absent optionals', () => {
    expect(toBeginForeignBiometryWire({ checkLiveness: true, timeoutSec: 3600, transportType: 0 })).toEqual({
      CheckLiveness: true,
      TimeoutSec: 3600,
      TransportType: 0,
    });
    expect(
      toBeginForeignBiometryWire({
        checkLiveness: false,
        timeoutSec: 60,
        transportType: 1,
        phoneNumber: '+15550100',
        introductionText: 'hi',
      }),
    ).toEqual({
      CheckLiveness: false,
      TimeoutSec: 60,
      TransportType: 1,
      PhoneNumber: '+15550100',
      IntroductionText: 'hi',
    });
  });

  it('builds Create New Operation with Timeout in seconds', () => {
    expect(
      toCreateOperationWire({
        accountNumber: 'a',
        name: 'GetForeignBiometry',
        timeoutSec: 3600,
        transportType: 0,
        tag: 'e-1',
      }),
    ).toEqual({
      AccountNumber: 'a',
      Name: 'GetForeignBiometry',
      Timeout: 3600,
      TransportType: 0,
      Codeword: '',
      Tag: 'e-1',
    });
  });

  it('builds CreateAccount as the documented examples do', () => {
    expect(toCreateAccountWire({ accountNumber: 'a', displayName: 'Ada', email: 'a@x.io' })).toEqual({
      AccountNumber: 'a',
      Version: 0,
      DisplayName: 'Ada',
      CustomDisplayName: 'Ada',
      Description: '',
      Enabled: true,
      Custom: true,
      Email: 'a@x.io',
    });
  });

  it('builds CreateAccountBiometricCredential with CredentialType 1 and IsProofed false', () => {
    expect(toBiometricCredentialWire({ data: 'aGVsbG8=' })).toEqual({
      ExternalId: null,
      Description: '',
      CredentialType: 1,
      DataType: 1,
      Data: 'aGVsbG8=',
      IsProofed: false,
      SourceCredentials: [],
      DeletedDate: null,
    });
    expect(() => toBiometricCredentialWire({ data: 'not base64!' })).toThrow();
  });

  it('rejects an unknown transport type', () => {
    expect(() =>
      toBeginForeignBiometryWire({ checkLiveness: true, timeoutSec: 60, transportType: 3 as 0 }),
    ).toThrow();
  });
});

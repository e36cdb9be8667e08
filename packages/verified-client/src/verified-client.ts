import { createHash } from 'node:crypto';
import { UPSTREAM_PREFIXES } from '@verified-onboard/contracts';
import { AuthenticationError, UpstreamNotFoundError } from './errors.js';
import { HttpTransport, type TransportRequest } from './http/transport.js';
import type { VerifiedClientOptions } from './client-options.js';
import { safeLogger } from './redact.js';
import { accountSegment, buildWire, decode, pathSegment, withBearer } from './wire-checks.js';
import {
  accountSchema,
  maybeAccountSchema,
  toCreateAccountWire,
  type Account,
  type CreateAccountInput,
} from './schemas/account.js';
import {
  tempIdSchema,
  toBiometricCredentialWire,
  type CreateBiometricCredentialInput,
} from './schemas/credential.js';
import {
  foreignOperationSchema,
  toBeginForeignBiometryWire,
  type BeginForeignBiometryInput,
  type ForeignOperation,
} from './schemas/foreign-operation.js';
import {
  createdOperationSchema,
  operationResultSchema,
  operationStatusSchema,
  toCreateOperationWire,
  type CreatedOperation,
  type CreateOperationInput,
  type OperationResult,
  type OperationStatus,
} from './schemas/operation.js';
import { tokenResponseSchema, type TokenResponseWire } from './schemas/token.js';
import {
  toWebhookSettingsWire,
  webhookSettingsSchema,
  type WebhookSettings,
} from './schemas/webhook-settings.js';
import { TokenManager } from './token/token-manager.js';
import { InMemoryTokenStore } from './token/token-store.js';

export type { VerifiedClientOptions } from './client-options.js';

const { identity: IDENTITY, admin: ADMIN, authz: AUTHZ } = UPSTREAM_PREFIXES;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTIONS = 64;

/**
 * Typed client of the authID Verified API. It never retries on its own except once after a 401 (with a
 * renewed token): retry policy belongs to the caller, guided by each error's `retryable` and `retryAfterMs`.
 */
export class VerifiedClient {
  private readonly transport: HttpTransport;
  private readonly tokens: TokenManager;
  private readonly basicAuth: string;

  constructor(options: VerifiedClientOptions) {
    if (!options.apiKeyId || !options.apiKeyValue)
      throw new TypeError('VerifiedClient: apiKeyId and apiKeyValue are required');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const logger = safeLogger(options.logger);
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      timeoutMs,
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      logger,
      ...(options.rateLimiter && { rateLimiter: options.rateLimiter }),
      ...(options.onCall && { onCall: options.onCall }),
    });
    this.basicAuth = `Basic ${Buffer.from(`${options.apiKeyId}:${options.apiKeyValue}`).toString('base64')}`;
    // One shared token pair per upstream host and API key; the key value never leaves this process.
    const scope = createHash('sha256')
      .update(`${new URL(options.baseUrl).href}\n${options.apiKeyId}`)
      .digest('hex')
      .slice(0, 16);
    this.tokens = new TokenManager({
      store: options.tokenStore ?? new InMemoryTokenStore(),
      scope,
      logger,
      callTimeoutMs: timeoutMs,
      ...(options.tokenRefreshSkewMs !== undefined && { refreshSkewMs: options.tokenRefreshSkewMs }),
      endpoints: {
        token: () => this.requestToken(),
        refresh: (refreshToken) => this.refreshToken(refreshToken),
      },
    });
  }

  /** BeginGetForeignBiometry: starts a selfie capture not yet bound to an account. */
  async beginForeignBiometry(input: BeginForeignBiometryInput): Promise<ForeignOperation> {
    const body = buildWire('beginBiometry', () => toBeginForeignBiometryWire(input));
    const response = await this.authorized({
      endpoint: 'beginBiometry',
      method: 'POST',
      path: `${ADMIN}/foreignOperations/biometry`,
      json: body,
    });
    return decode('beginBiometry', foreignOperationSchema, response);
  }

  /** EndGetForeignBiometry: the capture's status, and its TempId once accepted. */
  async getForeignBiometry(operationId: string): Promise<ForeignOperation> {
    const id = pathSegment('endBiometry', operationId);
    const response = await this.authorized({
      endpoint: 'endBiometry',
      method: 'GET',
      path: `${ADMIN}/foreignOperations/biometry/${id}`,
    });
    return decode('endBiometry', foreignOperationSchema, response);
  }

  /** Create New Operation (v2), e.g. `GetForeignBiometry` for an existing account. */
  async createOperation(input: CreateOperationInput): Promise<CreatedOperation> {
    const body = buildWire('createOperation', () => toCreateOperationWire(input));
    const response = await this.authorized({
      endpoint: 'createOperation',
      method: 'POST',
      path: `${AUTHZ}/v2/operations`,
      json: body,
    });
    return decode('createOperation', createdOperationSchema, response);
  }

  async getOperationStatus(operationId: string): Promise<OperationStatus> {
    const id = pathSegment('operationStatus', operationId);
    const response = await this.authorized({
      endpoint: 'operationStatus',
      method: 'GET',
      path: `${AUTHZ}/v2/operations/${id}/status`,
    });
    return decode('operationStatus', operationStatusSchema, response);
  }

  async getOperationResult(operationId: string): Promise<OperationResult> {
    const id = pathSegment('operationResult', operationId);
    const response = await this.authorized({
      endpoint: 'operationResult',
      method: 'GET',
      path: `${AUTHZ}/v2/operations/${id}/result`,
    });
    return decode('operationResult', operationResultSchema, response);
  }

  /** Throws AccountAlreadyExistsError when the AccountNumber is taken; the caller decides whether that is its own earlier effect. */
  async createAccount(input: CreateAccountInput): Promise<Account> {
    const body = buildWire('createAccount', () => toCreateAccountWire(input));
    const response = await this.authorized({
      endpoint: 'createAccount',
      method: 'POST',
      path: `${ADMIN}/v1/accounts`,
      json: body,
    });
    return decode('createAccount', accountSchema, response);
  }

  /** null when the account does not exist (the upstream answers 200 `null`; a 404 means the same). */
  async getAccount(accountNumber: string): Promise<Account | null> {
    const path = `${ADMIN}/v1/accounts/${accountSegment('getAccount', accountNumber)}`;
    try {
      const response = await this.authorized({ endpoint: 'getAccount', method: 'GET', path });
      return response === undefined ? null : decode('getAccount', maybeAccountSchema, response);
    } catch (error) {
      if (error instanceof UpstreamNotFoundError) return null;
      throw error;
    }
  }

  /** Idempotent: deleting an account that is already gone succeeds, so a retried job does not fail on its own earlier effect. */
  async deleteAccount(accountNumber: string): Promise<void> {
    const path = `${ADMIN}/v1/accounts/${accountSegment('deleteAccount', accountNumber)}`;
    await this.ignoringNotFound(() =>
      this.authorized({ endpoint: 'deleteAccount', method: 'DELETE', path, ignoreBody: true }),
    );
  }

  /** CreateAccountProofedBiometricCredential: binds a captured selfie (TempId) to the account. */
  async createProofedBiometricCredential(accountNumber: string, tempId: string): Promise<void> {
    const path = `${ADMIN}/v1/accounts/${accountSegment('proofedCredential', accountNumber)}/proofedBioCredential`;
    const TempId = buildWire('proofedCredential', () => tempIdSchema.parse(tempId));
    await this.authorized({
      endpoint: 'proofedCredential',
      method: 'POST',
      path,
      json: { TempId },
      ignoreBody: true,
    });
  }

  /** CreateAccountBiometricCredential: a face image captured elsewhere (not proofed by the upstream). */
  async createBiometricCredential(
    accountNumber: string,
    input: CreateBiometricCredentialInput,
  ): Promise<void> {
    const path = `${ADMIN}/v1/accounts/${accountSegment('bioCredential', accountNumber)}/bioCredential`;
    const body = buildWire('bioCredential', () => toBiometricCredentialWire(input));
    await this.authorized({ endpoint: 'bioCredential', method: 'POST', path, json: body, ignoreBody: true });
  }

  /** Idempotent like deleteAccount: a credential that is already gone counts as deleted. */
  async deleteBiometricCredential(accountNumber: string): Promise<void> {
    const path = `${ADMIN}/v1/accounts/${accountSegment('deleteCredential', accountNumber)}/bioCredential`;
    await this.ignoringNotFound(() =>
      this.authorized({ endpoint: 'deleteCredential', method: 'DELETE', path, ignoreBody: true }),
    );
  }

  async getWebhookSettings(): Promise<WebhookSettings> {
    const response = await this.authorized({
      endpoint: 'webhookSettings',
      method: 'GET',
      path: `${ADMIN}/settings/webhook`,
    });
    return decode('webhookSettings', webhookSettingsSchema, response);
  }

  /** UpdateCustomerWebhookSettings: tenant-wide, one webhook per customer. */
  async updateWebhookSettings(settings: WebhookSettings): Promise<WebhookSettings> {
    const body = buildWire('webhookSettings', () => toWebhookSettingsWire(settings));
    const response = await this.authorized({
      endpoint: 'webhookSettings',
      method: 'PUT',
      path: `${ADMIN}/settings/webhook`,
      json: body,
    });
    return decode('webhookSettings', webhookSettingsSchema, response);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** A bearer call; after a 401 the failed token is invalidated and the call is sent once more with a new one. */
  private async authorized(request: TransportRequest): Promise<unknown> {
    const token = await this.tokens.getAccessToken();
    try {
      return (await this.transport.request(withBearer(request, token))).body;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      await this.tokens.invalidate(token);
      const renewed = await this.tokens.getAccessToken();
      return (await this.transport.request(withBearer(request, renewed))).body;
    }
  }

  private async ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof UpstreamNotFoundError)) throw error;
    }
  }

  private async requestToken(): Promise<TokenResponseWire> {
    const response = await this.transport.request({
      endpoint: 'token',
      method: 'POST',
      path: `${IDENTITY}/auth/token`,
      headers: { authorization: this.basicAuth },
    });
    return decode('token', tokenResponseSchema, response.body);
  }

  /** The body is the refresh token as a JSON string literal, with no Authorization header (as the official demo does). */
  private async refreshToken(refreshToken: string): Promise<TokenResponseWire> {
    const response = await this.transport.request({
      endpoint: 'refresh',
      method: 'POST',
      path: `${IDENTITY}/auth/refresh`,
      json: refreshToken,
    });
    return decode('refresh', tokenResponseSchema, response.body);
  }
}

export { VerifiedClient, type VerifiedClientOptions } from './verified-client.js';
export { ENDPOINT_NAMES, type EndpointName } from './endpoints.js';
export {
  VerifiedError,
  UpstreamUnavailableError,
  UpstreamTimeoutError,
  RateLimitedError,
  AuthenticationError,
  UpstreamRejectedError,
  UpstreamNotFoundError,
  AccountAlreadyExistsError,
  CredentialAlreadyExistsError,
  TempIdExpiredError,
  UpstreamContractError,
  InvalidRequestError,
  UPSTREAM_ERROR_IDS,
  isVerifiedError,
  type VerifiedErrorDetails,
} from './errors.js';
export {
  InMemoryTokenStore,
  RedisTokenStore,
  type TokenCipher,
  type TokenStore,
  type StoredToken,
} from './token/token-store.js';
export { TokenManager, type TokenManagerOptions, type TokenEndpoints } from './token/token-manager.js';
export { captureUrl } from './capture-url.js';
export {
  verifyWebhookSignature,
  signWebhookBody,
  webhookPayloadSchema,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookPayload,
} from './webhook.js';
export { parseRetryAfter } from './http/retry-after.js';
export type { RateLimiter, OnCall } from './http/transport.js';
export { redact, REDACTED, type ClientLogger } from './redact.js';
export type { Account, CreateAccountInput } from './schemas/account.js';
export type { ForeignOperation, BeginForeignBiometryInput } from './schemas/foreign-operation.js';
export type {
  CreateOperationInput,
  CreatedOperation,
  OperationStatus,
  OperationResult,
} from './schemas/operation.js';
export type { CreateBiometricCredentialInput } from './schemas/credential.js';
export type { WebhookSettings, WebhookEndpointSettings } from './schemas/webhook-settings.js';
export type { UpstreamStatus, TransportType } from './schemas/common.js';

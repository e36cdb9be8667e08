export { buildEmulator, startEmulator } from './server.js';
export { EMULATOR_DEFAULTS, type EmulatorOptions, type RunningEmulator } from './options.js';
export {
  DEFAULT_SCENARIO,
  USER_OUTCOMES,
  mergeScenario,
  scenarioPatchSchema,
  type FaultConfig,
  type Scenario,
  type ScenarioPatch,
  type UserOutcome,
} from './scenario.js';
export {
  ADMIN_PREFIX,
  AUTHZ_PREFIX,
  CONTROL_PREFIX,
  ENDPOINT_NAMES,
  IDENTITY_PREFIX,
  type EndpointName,
} from './paths.js';
export {
  SIGNATURE_HEADER,
  WEBHOOK_EVENT_OPERATION_STATUS,
  signWebhookBody,
  type WebhookPayload,
} from './webhook-sender.js';
export { dotNetErrorBody, type DotNetErrorBody } from './errors.js';
export { ACCOUNT_NUMBER_PATTERN } from './request-schemas.js';
export { OperationStatus, type OperationStatusCode } from './state/operations.js';
export { TEMP_ID_TTL_MS } from './state/tempids.js';
export type { EmulatorStats, AccountView } from './state/store.js';

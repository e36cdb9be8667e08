export * from './errors.js';
export * from './schemas/common.js';
export * from './tenant.js';
export * from './schemas/enrollment.js';
export * from './schemas/hints.js';
export * from './schemas/ops.js';
export * from './event-types.js';
export { EVENT_ID_NAMESPACE, eventId, uuidV5 } from './event-id.js';
export {
  baseEnvelopeSchema,
  createEvent,
  eventEnvelopeSchema,
  type CreateEventInput,
  type EnrollmentEvent,
  type EventEnvelope,
  type HintEvent,
  type RawEnvelope,
} from './envelope.js';
export { assertNoSecrets, captureUrlEnabledByEnvironment } from './secrets.js';
export { UpcasterRegistry, upcasters, type Upcaster } from './upcasters.js';
export { parseEvent, type ParseOptions } from './parse-event.js';
export {
  CONTENT_TYPE_HEADER,
  decodeEvent,
  encodeEvent,
  type EncodedEvent,
  type KafkaRecordLike,
} from './codec.js';
export * from './state.js';
export { evolveRecord, fold, isDuplicate } from './fold.js';
// The domain core (domain/): the lifecycle of an enrollment, pure.
export type * from './domain/state.js';
export { NO_ENROLLMENT } from './domain/state.js';
export {
  POLL_DEADLINE_MESSAGE,
  type Command,
  type Decision,
  type PendingEvent,
  type Rejection,
  type StepObservation,
} from './domain/commands.js';
export { decide, observed } from './domain/decide.js';
export type { RejectionCode } from './domain/rejections.js';
export { evolve } from './domain/evolve.js';
export { foldEnrollment } from './domain/history.js';
export { nextWork, statusAfter, workAfter, type Progress, type Work } from './domain/next-work.js';
export { fromRecord } from './domain/record.js';
export * from './topics.js';
export { DLQ_HEADERS } from './dlq-headers.js';
export {
  DEFAULT_KEY_ID,
  Keyring,
  parseEncryptionKey,
  parseKeyList,
  type KeyringSource,
} from './crypto/keyring.js';
export { asyncApiDocument, CATALOGUE_VERSION, eventJsonSchemas, generatedFiles } from './catalogue-docs.js';
export * from './config/dev-defaults.js';
export { encryptionKeysEnvSchema } from './config/encryption-keys-env.js';
export {
  devDefaultsAllowed,
  resolveSecrets,
  secretProblems,
  type SecretEnv,
  type SecretProblem,
  type SecretProblemReason,
  type SecretResolution,
} from './config/secret-policy.js';

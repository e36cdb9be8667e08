export * from './errors.js';
export type { LoggerLike } from './logger.js';
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
export { apply, fold, isDuplicate } from './fold.js';
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
export { evolve } from './domain/evolve.js';
export { foldEnrollment } from './domain/history.js';
export { nextWork, statusAfter, workAfter, type Progress, type Work } from './domain/next-work.js';
export { fromRecord } from './domain/record.js';
export * from './topics.js';
export { createKafka, type CreateKafkaOptions, type Kafka } from './kafka/create-kafka.js';
export { ensureTopics } from './kafka/ensure-topics.js';
export { createRedis, type RedisTls } from './redis/create-redis.js';
export { redisUrlSchema } from './redis/redis-url-schema.js';
export {
  KAFKA_SECURITY_PROTOCOLS,
  parseKafkaSecurity,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type KafkaSecurityIssue,
  type KafkaSecurityProtocol,
} from './kafka/kafka-security.js';
export {
  EventProducer,
  type EventProducerOptions,
  type ProducerStats,
  type PublishOptions,
} from './kafka/event-producer.js';
export {
  EventConsumer,
  type ConsumedEvent,
  type ConsumerStats,
  type EventConsumerOptions,
} from './kafka/event-consumer.js';
export { DLQ_HEADERS } from './kafka/dlq-headers.js';
export type { DedupeStore } from './dedupe/dedupe-store.js';
export { InMemoryDedupeStore } from './dedupe/in-memory-dedupe-store.js';
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './dedupe/redis-dedupe-store.js';
export {
  ReadModel,
  type ApplyResult,
  type BatchCounts,
  type FailedEntry,
  type FailedFilter,
  type FailedPage,
  type ReadModelOptions,
} from './read-model/read-model.js';
export { SelfieVault, type SelfieVaultOptions, type StoredSelfie } from './selfie-vault.js';
export {
  DEFAULT_KEY_ID,
  Keyring,
  parseEncryptionKey,
  parseKeyList,
  type KeyringSource,
} from './crypto/keyring.js';
export { asyncApiDocument, CATALOGUE_VERSION, eventJsonSchemas, generatedFiles } from './catalogue-docs.js';
export { scanEventLog, LogScanTimeoutError, type ScanOptions, type ScanResult } from './kafka/log-scanner.js';
export { LiveReadModel, KEYSPACE_REFRESH_MS } from './read-model/live-read-model.js';
export { readModelKeys, keyspacePointerKeys } from './read-model/read-model-keys.js';
export {
  ProjectionRebuild,
  RebuildInProgressError,
  type ProjectionRebuildOptions,
  type RebuildStatus,
} from './read-model/projection-rebuild.js';
export { readEnrollmentStreams, type ReadEnrollmentStreamsOptions } from './enrollment-log.js';
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
export {
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type DeadLetterPage,
} from './kafka/dead-letters.js';

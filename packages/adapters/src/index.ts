export * from './errors.js';
export type { LoggerLike } from './logger.js';
export { createKafka, type CreateKafkaOptions, type Kafka } from './kafka/create-kafka.js';
export { ensureTopics } from './kafka/ensure-topics.js';
export { createRedis, type RedisTls } from './redis/create-redis.js';
export { redisClusterNodesSetting, redisUrlSchema } from './redis/redis-url-schema.js';
export { execBySlot, groupBySlot, type SlotCommand, type SlotReply } from './redis/slot-pipelines.js';
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
export type { DedupeStore } from './redis/dedupe/dedupe-store.js';
export { InMemoryDedupeStore } from './redis/dedupe/in-memory-dedupe-store.js';
export { RedisDedupeStore, type RedisDedupeStoreOptions } from './redis/dedupe/redis-dedupe-store.js';
export {
  ReadModel,
  type ApplyResult,
  type BatchCounts,
  type FailedEntry,
  type FailedFilter,
  type FailedPage,
  type ReadModelOptions,
} from './redis/read-model/read-model.js';
export { SelfieVault, type SelfieVaultOptions, type StoredSelfie } from './redis/selfie-vault.js';
export { scanEventLog, LogScanTimeoutError, type ScanOptions, type ScanResult } from './kafka/log-scanner.js';
export { LiveReadModel, KEYSPACE_REFRESH_MS } from './redis/read-model/live-read-model.js';
export { readModelKeys, keyspacePointerKeys } from './redis/read-model/read-model-keys.js';
export {
  ProjectionRebuild,
  RebuildInProgressError,
  type ProjectionRebuildOptions,
  type RebuildStatus,
} from './redis/read-model/projection-rebuild.js';
export { readEnrollmentStreams, type ReadEnrollmentStreamsOptions } from './kafka/enrollment-streams.js';
export {
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type DeadLetterPage,
} from './kafka/dead-letters.js';

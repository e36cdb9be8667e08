import {
  parseEncryptionKey,
  encryptionKeysEnvSchema,
  resolveSecrets,
  type KeyringSource,
} from '@verified-onboard/events';
import {
  parseKafkaSecurity,
  redisClusterNodesSetting,
  redisUrlSchema,
  type KafkaSecurity,
} from '@verified-onboard/adapters';
import {
  DEFAULT_QUEUE_PREFIX,
  QUEUE_PREFIX_PATTERN,
  QUEUE_PREFIX_RULE,
  parseQueuePrefix,
} from '@verified-onboard/contracts';
import { z } from 'zod';
import { ApiKeyConfigError, ApiKeyStore } from './auth/api-keys.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default('development')),
  REDIS_URL: z.preprocess(emptyAsUndefined, redisUrlSchema.default('redis://127.0.0.1:6379')),
  KAFKA_BROKERS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('127.0.0.1:9092')
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port')).min(1)),
  ),
  REDIS_TLS_CA_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  QUEUE_PREFIX: z.preprocess(
    emptyAsUndefined,
    z.string().regex(QUEUE_PREFIX_PATTERN, QUEUE_PREFIX_RULE).default(DEFAULT_QUEUE_PREFIX),
  ),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // A container needs every interface; development (ALLOW_DEV_DEFAULTS) defaults to 127.0.0.1 instead.
  API_HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  API_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
  VERIFIED_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().min(1)),
  WEBHOOK_BASIC_AUTH: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[^:]+:.+$/, 'user:password')
      .optional(),
  ),
  SELFIE_ENCRYPTION_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((key) => {
        try {
          parseEncryptionKey(key);
          return true;
        } catch {
          return false;
        }
      }, 'must be 32 bytes as 64 hex characters or base64')
      .optional(),
  ),
  ENCRYPTION_KEYS: encryptionKeysEnvSchema,
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  API_RATE_LIMIT_PER_MIN: positiveInt(1200),
  API_AUTH_FAILURES_PER_ADDRESS: positiveInt(10),
  API_AUTH_FAILURES_PER_KEY: positiveInt(100),
  API_JSON_BODY_LIMIT_BYTES: positiveInt(10 * 1024 * 1024),
  API_BATCH_MAX_BYTES: positiveInt(4 * 1024 * 1024 * 1024),
  API_BATCH_MAX_LINES: positiveInt(1_000_000),
  API_BATCH_CONCURRENCY_PER_KEY: positiveInt(2),
  API_PUBLISH_TIMEOUT_MS: positiveInt(5_000),
  API_SELFIE_TTL_SEC: positiveInt(72 * 3600),
  OPS_DASHBOARD_WRITABLE: z.preprocess(emptyAsUndefined, z.enum(['0', '1']).default('0')),
  OPS_REPLAY_LIMIT: positiveInt(10_000),
  // close-with-grace's delay: a batch upload still streaming at SIGTERM gets this long to finish.
  API_SHUTDOWN_GRACE_MS: positiveInt(60_000),
});

export interface ApiConfig {
  nodeEnv: string;
  /** ALLOW_DEV_DEFAULTS is on: development stand-ins may fill missing secrets. */
  devDefaultsAllowed: boolean;
  /** Variables running on a development stand-in (named in the startup warning, never their values). */
  devDefaultsInUse: string[];
  redisUrl: string;
  /** PEM of the CA behind a `rediss://` REDIS_URL (REDIS_TLS_CA_FILE); unset: the system's CAs. */
  redisTlsCaFile: string | undefined;
  kafkaBrokers: string[];
  /** TLS and SASL from KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE and KAFKA_SASL_* (docs/security.md). */
  kafkaSecurity: KafkaSecurity;
  topicPrefix: string;
  /** Namespace of every Redis key but the queue's (from QUEUE_PREFIX); keys read `${keyPrefix}:…`. */
  keyPrefix: string;
  /** BullMQ's prefix for the steps queue (from QUEUE_PREFIX, see @verified-onboard/contracts). */
  queuePrefix: string;
  port: number;
  host: string;
  /** Raw API_KEYS; undefined means "use the local dev key" (only when devDefaultsAllowed). */
  apiKeys: string | undefined;
  webhookSecret: string;
  webhookBasicAuth: { user: string; password: string } | undefined;
  /** What the keyring (selfies, capture URLs) is built from: ENCRYPTION_KEYS, and SELFIE_ENCRYPTION_KEY as `default`. */
  keyring: KeyringSource;
  selfieTtlSec: number;
  logLevel: string;
  rateLimitPerMinute: number;
  /** Refused credentials a minute per client address and per existing key id before 429 too_many_auth_failures. */
  authFailuresPerAddress: number;
  authFailuresPerKey: number;
  jsonBodyLimitBytes: number;
  batchMaxBytes: number;
  batchMaxLines: number;
  /** Batches one API key may stream at once (across instances); more answer 429 too_many_concurrent_batches. */
  batchConcurrencyPerKey: number;
  publishTimeoutMs: number;
  /** How long SIGTERM waits for requests in flight (API_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
  /** Bull Board's mutating calls are allowed (each one audited) only when OPS_DASHBOARD_WRITABLE=1. */
  dashboardWritable: boolean;
  /** Most enrollments one replay selects (OPS_REPLAY_LIMIT); it holds their streams in memory. */
  replayLimit: number;
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The api's configuration. Outside development (ALLOW_DEV_DEFAULTS unset) every secret must be set, long enough and
 * not a published default; otherwise this throws a ConfigError naming each variable (never its value).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const secrets = resolveSecrets(env, 'api');
  if (!secrets.ok)
    throw new ConfigError(
      secrets.problems.map((problem) => ({ path: problem.variable, message: problem.detail })),
    );
  const parsed = envSchema.safeParse(secrets.env);
  const kafkaSecurity = parseKafkaSecurity(secrets.env);
  const clusterNodes = redisClusterNodesSetting(secrets.env);
  if (!parsed.success || kafkaSecurity.issues.length > 0 || clusterNodes.issues.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
      ...kafkaSecurity.issues,
      ...clusterNodes.issues,
    ]);
  }
  const e = parsed.data;
  try {
    ApiKeyStore.fromConfig(e.API_KEYS, secrets.devDefaultsAllowed);
  } catch (error) {
    if (error instanceof ApiKeyConfigError)
      throw new ConfigError([{ path: 'API_KEYS', message: error.message }]);
    throw error;
  }
  const keyring = keyringSource(e.ENCRYPTION_KEYS, e.SELFIE_ENCRYPTION_KEY);
  if (keyring === undefined)
    throw new ConfigError([{ path: 'SELFIE_ENCRYPTION_KEY', message: 'is not set (nor ENCRYPTION_KEYS)' }]);
  const separator = e.WEBHOOK_BASIC_AUTH?.indexOf(':') ?? -1;
  return {
    nodeEnv: e.NODE_ENV,
    devDefaultsAllowed: secrets.devDefaultsAllowed,
    devDefaultsInUse: secrets.devDefaultsInUse,
    redisUrl: clusterNodes.url ?? e.REDIS_URL,
    redisTlsCaFile: e.REDIS_TLS_CA_FILE,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurity.security,
    topicPrefix: e.KAFKA_TOPIC_PREFIX,
    keyPrefix: parseQueuePrefix(e.QUEUE_PREFIX).keys,
    queuePrefix: parseQueuePrefix(e.QUEUE_PREFIX).queue,
    port: e.API_PORT,
    host: e.API_HOST,
    apiKeys: e.API_KEYS,
    webhookSecret: e.VERIFIED_WEBHOOK_SECRET,
    webhookBasicAuth:
      e.WEBHOOK_BASIC_AUTH && separator > 0
        ? {
            user: e.WEBHOOK_BASIC_AUTH.slice(0, separator),
            password: e.WEBHOOK_BASIC_AUTH.slice(separator + 1),
          }
        : undefined,
    keyring,
    selfieTtlSec: e.API_SELFIE_TTL_SEC,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.API_RATE_LIMIT_PER_MIN,
    authFailuresPerAddress: e.API_AUTH_FAILURES_PER_ADDRESS,
    authFailuresPerKey: e.API_AUTH_FAILURES_PER_KEY,
    jsonBodyLimitBytes: e.API_JSON_BODY_LIMIT_BYTES,
    batchMaxBytes: e.API_BATCH_MAX_BYTES,
    batchMaxLines: e.API_BATCH_MAX_LINES,
    batchConcurrencyPerKey: e.API_BATCH_CONCURRENCY_PER_KEY,
    publishTimeoutMs: e.API_PUBLISH_TIMEOUT_MS,
    shutdownGraceMs: e.API_SHUTDOWN_GRACE_MS,
    dashboardWritable: e.OPS_DASHBOARD_WRITABLE === '1',
    replayLimit: e.OPS_REPLAY_LIMIT,
  };
}

/**
 * ENCRYPTION_KEYS wins; SELFIE_ENCRYPTION_KEY joins it as the key `default` only when it is set. The dev key fills
 * SELFIE_ENCRYPTION_KEY (ALLOW_DEV_DEFAULTS) only when ENCRYPTION_KEYS is unset, so it never opens anything next to
 * real keys. Neither set: undefined.
 */
function keyringSource(
  encryptionKeys: string | undefined,
  selfieKey: string | undefined,
): KeyringSource | undefined {
  if (encryptionKeys) return { encryptionKeys, legacyKey: selfieKey };
  return selfieKey === undefined ? undefined : { legacyKey: selfieKey };
}

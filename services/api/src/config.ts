import {
  parseEncryptionKey,
  parseKafkaSecurity,
  parseKeyList,
  type KafkaSecurity,
  type KeyringSource,
} from '@verified-onboard/events';
import { z } from 'zod';

/** AES-256 key used when SELFIE_ENCRYPTION_KEY is unset outside production; anyone reading the source knows it. */
export const DEV_SELFIE_ENCRYPTION_KEY = '00000000000000000000000000000000000000000000000000000000deadbeef';
/** The documented local API key (all scopes), used only when API_KEYS is unset and NODE_ENV is not production. */
export const LOCAL_DEV_API_KEY = { keyId: 'local-dev-key', secret: 'local-dev-secret' } as const;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const envSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default('development')),
    REDIS_URL: z.preprocess(emptyAsUndefined, z.string().url().default('redis://127.0.0.1:6379')),
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
    KAFKA_TOPIC_PREFIX: z.string().default(''),
    QUEUE_PREFIX: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9._{}-]+$/)
        .default('vo'),
    ),
    API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    API_HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
    API_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
    VERIFIED_WEBHOOK_SECRET: z.preprocess(
      emptyAsUndefined,
      z.string().min(1).default('emulator-webhook-secret'),
    ),
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
    ENCRYPTION_KEYS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .superRefine((spec, ctx) => {
          try {
            parseKeyList(spec);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        })
        .optional(),
    ),
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
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    if (!env.API_KEYS)
      ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'required when NODE_ENV=production' });
    if (!env.SELFIE_ENCRYPTION_KEY && !env.ENCRYPTION_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SELFIE_ENCRYPTION_KEY'],
        message: 'ENCRYPTION_KEYS or SELFIE_ENCRYPTION_KEY is required when NODE_ENV=production',
      });
    }
  });

export interface ApiConfig {
  nodeEnv: string;
  production: boolean;
  redisUrl: string;
  kafkaBrokers: string[];
  /** TLS and SASL from KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE and KAFKA_SASL_* (docs/security.md). */
  kafkaSecurity: KafkaSecurity;
  topicPrefix: string;
  /** Prefix of every Redis key and of the BullMQ queue (QUEUE_PREFIX); keys read `${keyPrefix}:…`. */
  keyPrefix: string;
  port: number;
  host: string;
  /** Raw API_KEYS; undefined means "use the local dev key" (refused in production by the schema). */
  apiKeys: string | undefined;
  webhookSecret: string;
  webhookBasicAuth: { user: string; password: string } | undefined;
  selfieEncryptionKey: string;
  selfieEncryptionKeyIsDevDefault: boolean;
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
  /** Bull Board's mutating calls are allowed (each one audited) only when OPS_DASHBOARD_WRITABLE=1. */
  dashboardWritable: boolean;
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = envSchema.safeParse(env);
  const kafkaSecurity = parseKafkaSecurity(env);
  if (!parsed.success || kafkaSecurity.issues.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
      ...kafkaSecurity.issues,
    ]);
  }
  const e = parsed.data;
  const separator = e.WEBHOOK_BASIC_AUTH?.indexOf(':') ?? -1;
  return {
    nodeEnv: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    redisUrl: e.REDIS_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurity.security,
    topicPrefix: e.KAFKA_TOPIC_PREFIX,
    keyPrefix: e.QUEUE_PREFIX,
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
    selfieEncryptionKey: e.SELFIE_ENCRYPTION_KEY ?? DEV_SELFIE_ENCRYPTION_KEY,
    selfieEncryptionKeyIsDevDefault: e.SELFIE_ENCRYPTION_KEY === undefined && e.ENCRYPTION_KEYS === undefined,
    keyring: keyringSource(e.ENCRYPTION_KEYS, e.SELFIE_ENCRYPTION_KEY),
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
    dashboardWritable: e.OPS_DASHBOARD_WRITABLE === '1',
  };
}

/**
 * ENCRYPTION_KEYS wins; SELFIE_ENCRYPTION_KEY joins it as the key `default` only when it is set, so the
 * published dev key never opens anything next to real keys. Neither set: the dev key (refused in production).
 */
function keyringSource(encryptionKeys: string | undefined, selfieKey: string | undefined): KeyringSource {
  if (encryptionKeys) return { encryptionKeys, legacyKey: selfieKey };
  return { legacyKey: selfieKey ?? DEV_SELFIE_ENCRYPTION_KEY };
}

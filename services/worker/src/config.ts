import {
  DEFAULT_QUEUE_PREFIX,
  QUEUE_PREFIX_PATTERN,
  QUEUE_PREFIX_RULE,
  parseQueuePrefix,
} from '@verified-onboard/contracts';
import { encryptionKeysEnvSchema, resolveSecrets, type KeyringSource } from '@verified-onboard/events';
import {
  parseKafkaSecurity,
  redisClusterNodesSetting,
  redisUrlSchema,
  type KafkaSecurity,
} from '@verified-onboard/adapters';
import { z } from 'zod';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);
// An empty variable means unset (compose files and shells often export VAR= ).
const optionalUrl = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.url().optional(),
);

/**
 * The environment the worker reads (README.md, Configuration, plus the worker's own knobs in docs/worker.md). The
 * secrets and the vendor URL have no default here: loadConfig takes them from the environment, or from the
 * development stand-ins when ALLOW_DEV_DEFAULTS is on (packages/events/src/config/secret-policy.ts).
 */
export const workerEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REDIS_URL: redisUrlSchema.default('redis://127.0.0.1:6379'),
    KAFKA_BROKERS: z.string().trim().min(1).default('127.0.0.1:9092'),
    REDIS_TLS_CA_FILE: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z.string().optional(),
    ),
    KAFKA_TOPIC_PREFIX: z.string().default(''),
    KAFKA_CLIENT_ID: z.string().min(1).default('verified-onboard-worker'),
    WORKER_PIPELINE_GROUP: z.string().min(1).default('verified-onboard-worker'),
    KAFKA_SESSION_TIMEOUT_MS: int(6000).default(30_000),
    WORKER_PROJECTOR_GROUP: z.string().min(1).default('verified-onboard-projector'),
    QUEUE_PREFIX: z.string().regex(QUEUE_PREFIX_PATTERN, QUEUE_PREFIX_RULE).default(DEFAULT_QUEUE_PREFIX),
    VERIFIED_BASE_URL: z.url(),
    VERIFIED_CAPTURE_HOST: optionalUrl,
    VERIFIED_API_KEY_ID: z.string().min(1),
    VERIFIED_API_KEY_VALUE: z.string().min(1),
    VERIFIED_WEBHOOK_SECRET: z.string().min(1),
    VERIFIED_TIMEOUT_MS: int(100).default(10_000),
    VERIFIED_RATE_LIMIT_PER_SEC: z.coerce.number().positive().default(50),
    WEBHOOK_PUBLIC_URL: optionalUrl,
    SELFIE_ENCRYPTION_KEY: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z.string().min(1).optional(),
    ),
    ENCRYPTION_KEYS: encryptionKeysEnvSchema,
    EVENTS_INCLUDE_CAPTURE_URL: bool.default(false),
    WORKER_METRICS_PORT: int(0).max(65535).default(3001),
    // A container needs every interface; development (ALLOW_DEV_DEFAULTS) defaults to 127.0.0.1 instead.
    WORKER_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    // Jobs mostly wait on the upstream and Redis; 128 measured 45-70% faster than 32 on 2 cores (docs/benchmarks.md).
    WORKER_CONCURRENCY: int(1).default(128),
    // What this process runs: the steps (jobs, pipeline consumer, poll dispatch) and/or the projector. A
    // projector of its own frees the steps' event loop (docs/benchmarks.md, finding 8).
    WORKER_ROLES: z
      .string()
      .default('steps,projector')
      .transform((v) =>
        v
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(['steps', 'projector'])).min(1, 'at least one of steps, projector')),
    WORKER_JOB_ATTEMPTS: int(1).default(8),
    WORKER_BACKOFF_BASE_MS: int(1).default(1_000),
    WORKER_BACKOFF_MAX_MS: int(1).default(5 * 60_000),
    WORKER_STALLED_INTERVAL_MS: int(500).default(30_000),
    WORKER_MAX_STALLED_COUNT: int(1).default(20),
    WORKER_LOCK_DURATION_MS: int(1000).default(30_000),
    WORKER_SHUTDOWN_TIMEOUT_MS: int(100).default(25_000),
    POLL_INITIAL_INTERVAL_MS: int(1).default(5_000),
    POLL_FAST_PHASE_MS: int(0).default(2 * 60_000),
    POLL_MAX_INTERVAL_MS: int(1).default(60_000),
    POLL_GROWTH_FACTOR: z.coerce.number().min(1).default(1.5),
    POLL_GRACE_MS: int(0).default(60_000),
    POLL_HINT_RECHECK_MS: int(1).default(1_000),
    // With webhooks registered they bring the answer; polling is only the backup for a lost webhook.
    // 0 keeps the fast schedule even then. 60 s measured 4.0 instead of 9.0 calls per enrollment.
    POLL_WEBHOOK_INTERVAL_MS: int(0).default(60_000),
    // Parked polls (see ParkedPolls) are moved onto the queue when due: how often to look, how many at once.
    POLL_DISPATCH_INTERVAL_MS: int(10).default(250),
    POLL_DISPATCH_BATCH: int(1).default(500),
    POLL_DISPATCH_LEASE_MS: int(1000).default(30_000),
    OWNERSHIP_TTL_SEC: int(60).default(30 * 24 * 3600),
    // A failed job is for looking at in the dashboard; the failure itself is in the event log and read model.
    WORKER_KEEP_FAILED_JOBS_SEC: int(1).default(24 * 3600),
    WORKER_KEEP_FAILED_JOBS_COUNT: int(1).default(1000),
    // A pipeline event whose handling fails this often goes to the dead-letter topic; its partition moves on.
    WORKER_EVENT_MAX_ATTEMPTS: int(1).default(10),
  })
  .refine((env) => env.POLL_MAX_INTERVAL_MS >= env.POLL_INITIAL_INTERVAL_MS, {
    message: 'POLL_MAX_INTERVAL_MS must be >= POLL_INITIAL_INTERVAL_MS',
    path: ['POLL_MAX_INTERVAL_MS'],
  });

export type WorkerEnv = z.input<typeof workerEnvSchema>;

export interface PollSchedule {
  initialIntervalMs: number;
  fastPhaseMs: number;
  maxIntervalMs: number;
  growthFactor: number;
  graceMs: number;
  /** Delay of the next look when a hint arrived while a poll was already running (the upstream may lag). */
  hintRecheckMs: number;
  /** Backup interval while webhooks are registered (0: the schedule above applies regardless). */
  webhookIntervalMs: number;
}

export interface PollDispatch {
  intervalMs: number;
  batch: number;
  leaseMs: number;
}

export interface WorkerConfig {
  nodeEnv: 'development' | 'test' | 'production';
  /** ALLOW_DEV_DEFAULTS is on: development stand-ins may fill missing secrets. */
  devDefaultsAllowed: boolean;
  /** Variables running on a development stand-in (named in the startup warning, never their values). */
  devDefaultsInUse: string[];
  logLevel: string;
  redisUrl: string;
  /** PEM of the CA behind a `rediss://` REDIS_URL (REDIS_TLS_CA_FILE); unset: the system's CAs. */
  redisTlsCaFile: string | undefined;
  kafka: {
    brokers: string[];
    /** TLS and SASL from KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE and KAFKA_SASL_* (docs/security.md). */
    security: KafkaSecurity;
    topicPrefix: string;
    clientId: string;
    pipelineGroup: string;
    projectorGroup: string;
    sessionTimeoutMs: number;
  };
  /** BullMQ's prefix for the steps queue (from QUEUE_PREFIX, see @verified-onboard/contracts). */
  queuePrefix: string;
  /** Namespace of every other Redis key the worker owns or shares (`${keyPrefix}:...`), from QUEUE_PREFIX. */
  keyPrefix: string;
  verified: {
    baseUrl: string;
    captureHost: string;
    apiKeyId: string;
    apiKeyValue: string;
    webhookSecret: string;
    timeoutMs: number;
    rateLimitPerSec: number;
  };
  webhookPublicUrl: string | undefined;
  /** Seals selfies, TempIds, capture URLs and vendor tokens: ENCRYPTION_KEYS, and SELFIE_ENCRYPTION_KEY as `default`. */
  keyring: KeyringSource;
  eventsIncludeCaptureUrl: boolean;
  metrics: { port: number; host: string };
  /** What this process runs (WORKER_ROLES). */
  roles: Array<'steps' | 'projector'>;
  concurrency: number;
  jobAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  stalledIntervalMs: number;
  /** How often a job may be recovered from a crashed worker before BullMQ gives up on it. */
  maxStalledCount: number;
  lockDurationMs: number;
  shutdownTimeoutMs: number;
  poll: PollSchedule;
  pollDispatch: PollDispatch;
  ownershipTtlSec: number;
  /** How long and how many failed BullMQ jobs are kept (WORKER_KEEP_FAILED_JOBS_SEC / _COUNT). */
  keepFailedJobs: { ageSec: number; count: number };
  /** Attempts of the pipeline consumer's handler per event before it is dead-lettered. */
  eventMaxAttempts: number;
}

/** Error thrown for an invalid environment; lists every offending variable (values are never echoed). */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: string[]) {
    super(`invalid worker configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The worker's configuration. Outside development (ALLOW_DEV_DEFAULTS unset) every secret must be set, long enough
 * and not a published default, and the vendor URL https; otherwise this throws a ConfigError naming each variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const secrets = resolveSecrets(env, 'worker');
  if (!secrets.ok) throw new ConfigError(secrets.problems.map((p) => `${p.variable}: ${p.detail}`));
  const parsed = workerEnvSchema.safeParse(secrets.env);
  const kafkaSecurity = parseKafkaSecurity(secrets.env);
  const clusterNodes = redisClusterNodesSetting(secrets.env);
  if (!parsed.success || kafkaSecurity.issues.length > 0 || clusterNodes.issues.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`),
      ...[...kafkaSecurity.issues, ...clusterNodes.issues].map((i) => `${i.path}: ${i.message}`),
    ]);
  }
  const e = parsed.data;
  if (e.ENCRYPTION_KEYS === undefined && e.SELFIE_ENCRYPTION_KEY === undefined)
    throw new ConfigError(['SELFIE_ENCRYPTION_KEY: is not set (nor ENCRYPTION_KEYS)']);
  return {
    nodeEnv: e.NODE_ENV,
    devDefaultsAllowed: secrets.devDefaultsAllowed,
    devDefaultsInUse: secrets.devDefaultsInUse,
    logLevel: e.LOG_LEVEL,
    redisUrl: clusterNodes.url ?? e.REDIS_URL,
    redisTlsCaFile: e.REDIS_TLS_CA_FILE,
    kafka: {
      brokers: e.KAFKA_BROKERS.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      security: kafkaSecurity.security,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
      clientId: e.KAFKA_CLIENT_ID,
      pipelineGroup: e.WORKER_PIPELINE_GROUP,
      projectorGroup: e.WORKER_PROJECTOR_GROUP,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    },
    queuePrefix: parseQueuePrefix(e.QUEUE_PREFIX).queue,
    keyPrefix: parseQueuePrefix(e.QUEUE_PREFIX).keys,
    verified: {
      baseUrl: e.VERIFIED_BASE_URL,
      // The hosted capture UI lives on the same host as the API (docs/verified-api.md §6).
      captureHost: e.VERIFIED_CAPTURE_HOST ?? e.VERIFIED_BASE_URL,
      apiKeyId: e.VERIFIED_API_KEY_ID,
      apiKeyValue: e.VERIFIED_API_KEY_VALUE,
      webhookSecret: e.VERIFIED_WEBHOOK_SECRET,
      timeoutMs: e.VERIFIED_TIMEOUT_MS,
      rateLimitPerSec: e.VERIFIED_RATE_LIMIT_PER_SEC,
    },
    webhookPublicUrl: e.WEBHOOK_PUBLIC_URL,
    // The published dev key joins real keys never: it fills SELFIE_ENCRYPTION_KEY only when ENCRYPTION_KEYS is unset.
    keyring: e.ENCRYPTION_KEYS
      ? { encryptionKeys: e.ENCRYPTION_KEYS, legacyKey: e.SELFIE_ENCRYPTION_KEY }
      : { legacyKey: e.SELFIE_ENCRYPTION_KEY },
    eventsIncludeCaptureUrl: e.EVENTS_INCLUDE_CAPTURE_URL,
    metrics: { port: e.WORKER_METRICS_PORT, host: e.WORKER_METRICS_HOST },
    roles: e.WORKER_ROLES,
    concurrency: e.WORKER_CONCURRENCY,
    jobAttempts: e.WORKER_JOB_ATTEMPTS,
    backoff: { baseMs: e.WORKER_BACKOFF_BASE_MS, maxMs: e.WORKER_BACKOFF_MAX_MS },
    stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: e.WORKER_MAX_STALLED_COUNT,
    lockDurationMs: e.WORKER_LOCK_DURATION_MS,
    shutdownTimeoutMs: e.WORKER_SHUTDOWN_TIMEOUT_MS,
    poll: {
      initialIntervalMs: e.POLL_INITIAL_INTERVAL_MS,
      fastPhaseMs: e.POLL_FAST_PHASE_MS,
      maxIntervalMs: e.POLL_MAX_INTERVAL_MS,
      growthFactor: e.POLL_GROWTH_FACTOR,
      graceMs: e.POLL_GRACE_MS,
      hintRecheckMs: e.POLL_HINT_RECHECK_MS,
      webhookIntervalMs: e.POLL_WEBHOOK_INTERVAL_MS,
    },
    pollDispatch: {
      intervalMs: e.POLL_DISPATCH_INTERVAL_MS,
      batch: e.POLL_DISPATCH_BATCH,
      leaseMs: e.POLL_DISPATCH_LEASE_MS,
    },
    ownershipTtlSec: e.OWNERSHIP_TTL_SEC,
    keepFailedJobs: { ageSec: e.WORKER_KEEP_FAILED_JOBS_SEC, count: e.WORKER_KEEP_FAILED_JOBS_COUNT },
    eventMaxAttempts: e.WORKER_EVENT_MAX_ATTEMPTS,
  };
}

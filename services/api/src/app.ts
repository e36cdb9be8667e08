import rateLimit from '@fastify/rate-limit';
import { QUEUES, sharedKeys } from '@verified-onboard/contracts';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DEV_API_KEY, Keyring, topicNames } from '@verified-onboard/events';
import { EventProducer, type ReadModel, SelfieVault, type Kafka } from '@verified-onboard/adapters';
import { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { ApiKeyStore } from './auth/api-keys.js';
import { BatchIngestor, DEFAULT_BATCH_OPTIONS, LINE_MARGIN_BYTES } from './batch/batch-ingestor.js';
import type { ApiConfig } from './config.js';
import { EnrollmentQueries } from './enrollments/enrollment-queries.js';
import { AdmissionRules } from './enrollments/admission.js';
import { EnrollmentSubmitter } from './enrollments/enrollment-submitter.js';
import { redisKeys } from './enrollments/keys.js';
import { activeReadModel, fixedReadModel } from './enrollments/read-model-source.js';
import type { SelfieStore } from './enrollments/requested-event.js';
import { TooManyRequestsError } from './errors.js';
import { AuthFailureLimiter, installAuthFailureLimit } from './http/auth-failures.js';
import { frameworkErrorToApiError, installErrorHandling, sendProblem } from './http/error-handler.js';
import { installNoStore } from './http/no-store.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { installRequestIdEcho, requestIdOptions } from './http/request-id.js';
import { createLogger } from './logger.js';
import { ApiMetrics } from './metrics.js';
import type { OpsService } from './ops/ops-service.js';
import { DeadLetterOps } from './ops/dead-letter-ops.js';
import { OpsAudit } from './ops/ops-audit.js';
import { PipelineOpsService } from './ops/pipeline-ops-service.js';
import { EventPublisher } from './publishing/publisher.js';
import { batchRoutes } from './routes/batches.js';
import { BatchSlots, DEFAULT_SLOT_TIMING } from './batch/batch-slots.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { healthRoutes, type ReadinessProbe } from './routes/health.js';
import { opsRoutes } from './routes/ops.js';
import { queueDashboard } from './routes/queue-dashboard.js';
import { SECURITY_SCHEMES } from './routes/security.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  /** Shared command connection (claims, read model, rate limits, selfies). Not closed by the app. */
  redis: Redis;
  /** From createKafka(); the app creates its producer and readiness admin from it. */
  kafka: Kafka;
  /** Defaults to a batching EventProducer on `kafka`, closed with the app. */
  producer?: EventProducer;
  /** A fixed read model (tests); by default the api follows the active keyspace under `${QUEUE_PREFIX}:`. */
  readModel?: ReadModel;
  selfieStore?: SelfieStore;
  /** Retry/replay/rebuild; defaults to PipelineOpsService on this app's Kafka, Redis and publisher. */
  opsService?: OpsService;
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
}

export async function buildApp(config: ApiConfig, deps: AppDeps): Promise<FastifyInstance> {
  const logger = createLogger(config.logLevel, deps.logDestination);
  const keys = ApiKeyStore.fromConfig(config.apiKeys, config.devDefaultsAllowed);
  // Names the variables and the dev key id only: the dev secret is published, but a log line is no place for it.
  if (config.devDefaultsInUse.length > 0) {
    logger.warn(
      { devDefaults: config.devDefaultsInUse, ...(keys.isLocalDevKey && { keyId: DEV_API_KEY.keyId }) },
      `ALLOW_DEV_DEFAULTS: development stand-ins in use for ${config.devDefaultsInUse.join(', ')}; never deploy this`,
    );
  }

  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: config.jsonBodyLimitBytes,
    trustProxy: false,
    // Request ids in logs tie a client's report to the server side; they are always ours.
    ...requestIdOptions,
    frameworkErrors: (error, _request, reply) => void sendProblem(reply, frameworkErrorToApiError(error)),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  // JSON routes take JSON only: without this, text/plain would be parsed and fail validation as a 400, not a 415.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  await installSecurityHeaders(app);
  installRequestIdEcho(app);
  installNoStore(app);
  installAuthFailureLimit(
    app,
    new AuthFailureLimiter(deps.redis, config.keyPrefix, {
      perAddress: config.authFailuresPerAddress,
      perKey: config.authFailuresPerKey,
      windowMs: 60_000,
    }),
  );

  const metrics = new ApiMetrics();
  const rk = redisKeys(config.keyPrefix);
  const topics = topicNames(config.topicPrefix);
  const ownsProducer = deps.producer === undefined;
  const producer = deps.producer ?? new EventProducer(deps.kafka, { lingerMs: 5, maxBatchSize: 2000 });
  const publisher = new EventPublisher(
    producer,
    { enrollmentEvents: topics.enrollmentEvents, hints: topics.hints, opsAudit: topics.opsAudit },
    metrics,
    config.publishTimeoutMs,
    logger,
  );
  const readModel = deps.readModel
    ? fixedReadModel(deps.readModel)
    : activeReadModel(deps.redis, sharedKeys(config.keyPrefix).readModelBase);
  const keyring = Keyring.from(config.keyring);
  const selfieStore = deps.selfieStore ?? selfieVaultStore(deps.redis, config, keyring);
  const reader = new EnrollmentQueries(deps.redis, readModel, rk, keyring);
  const staleClaimMs = config.publishTimeoutMs * 3;
  const admission = new AdmissionRules(deps.redis, rk, reader, { staleClaimMs });
  const submitter = new EnrollmentSubmitter(
    deps.redis,
    rk,
    reader,
    publisher,
    selfieStore,
    metrics,
    admission,
    { staleClaimMs },
  );
  const ingestor = new BatchIngestor(deps.redis, rk, publisher, selfieStore, metrics, admission, {
    ...DEFAULT_BATCH_OPTIONS,
    maxBytes: config.batchMaxBytes,
    maxLines: config.batchMaxLines,
    maxLineBytes: config.jsonBodyLimitBytes + LINE_MARGIN_BYTES,
  });
  const stepsQueue = new Queue(QUEUES.steps, {
    connection: deps.redis.duplicate(),
    prefix: config.queuePrefix,
  });
  const kafkaAdmin = lazyAdmin(deps.kafka);

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: reply.statusCode,
    });
  });
  app.addHook('onClose', async () => {
    // A background replay publishes through the producer: let it finish first.
    await opsService.close?.();
    await Promise.allSettled([
      ownsProducer ? publisher.close() : Promise.resolve(),
      stepsQueue.close(),
      kafkaAdmin.close(),
    ]);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'verified-onboard api',
        version: '1.0.0',
        description:
          'Ingress of the Verified enrollment pipeline. Every error is an RFC 9457 problem (application/problem+json) with a stable `code`.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: [
        { name: 'enrollments' },
        { name: 'batches' },
        { name: 'webhooks' },
        { name: 'ops' },
        { name: 'health' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Runs as a preHandler, after onRequest authentication, so the limit is per API key; requests without a
  // principal (health, metrics, docs, webhooks) are not counted.
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: rk.rateLimitNamespace,
    // Redis unreachable: refuse (503 redis_unavailable), never serve unlimited.
    skipOnError: false,
    keyGenerator: (request) => request.principal?.keyId ?? request.ip,
    allowList: (request) => request.principal === null,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });

  const probes: ReadinessProbe[] = [
    { name: 'redis', check: async () => void (await deps.redis.ping()) },
    { name: 'kafka', check: () => kafkaAdmin.check() },
  ];
  await app.register(healthRoutes, { keys, probes, metrics, probeTimeoutMs: 3000 });
  await app.register(enrollmentRoutes, { keys, submitter, reader, publisher });
  await app.register(batchRoutes, {
    keys,
    ingestor,
    readModel,
    redis: deps.redis,
    redisKeys: rk,
    maxBytes: config.batchMaxBytes,
    slots: new BatchSlots(deps.redis, rk.batchSlots, {
      perKey: config.batchConcurrencyPerKey,
      ...DEFAULT_SLOT_TIMING,
    }),
  });
  await app.register(webhookRoutes, {
    auth: {
      secret: config.webhookSecret,
      ...(config.webhookBasicAuth ? { basicAuth: config.webhookBasicAuth } : {}),
    },
    publisher,
    bodyLimitBytes: 1024 * 1024,
    redis: deps.redis,
    keyPrefix: config.keyPrefix,
  });
  const opsService =
    deps.opsService ??
    new PipelineOpsService({
      redis: deps.redis,
      kafka: deps.kafka,
      readModel,
      publisher,
      enrollmentTopic: topics.enrollmentEvents,
      basePrefix: sharedKeys(config.keyPrefix).readModelBase,
      replayLimit: config.replayLimit,
      logger,
    });
  const audit = new OpsAudit(publisher);
  const deadLetters = new DeadLetterOps(deps.kafka, topics);
  await app.register(opsRoutes, { keys, readModel, opsService, audit, deadLetters });
  await app.register(queueDashboard, {
    keys,
    queues: [stepsQueue],
    writable: config.dashboardWritable,
    audit,
  });
  return app;
}

function selfieVaultStore(redis: Redis, config: ApiConfig, keyring: Keyring): SelfieStore {
  const vault = new SelfieVault(redis, {
    prefix: sharedKeys(config.keyPrefix).selfieVault,
    key: keyring,
    ttlSec: config.selfieTtlSec,
  });
  return { store: (imageBase64) => vault.put(imageBase64) };
}

/** One admin connection for readiness, made on first use and dropped after a failure so the next probe reconnects. */
function lazyAdmin(kafka: Kafka) {
  let admin: ReturnType<Kafka['admin']> | null = null;
  return {
    async check() {
      try {
        if (!admin) {
          admin = kafka.admin();
          await admin.connect();
        }
        await admin.describeCluster();
      } catch (error) {
        const failed = admin;
        admin = null;
        await failed?.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await admin?.disconnect();
      admin = null;
    },
  };
}

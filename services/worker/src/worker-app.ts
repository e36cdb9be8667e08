import {
  createKafka,
  createRedis,
  EventProducer,
  Keyring,
  LiveReadModel,
  SelfieVault,
  SelfieIntegrityError,
  topicNames,
} from '@verified-onboard/events';
import { RedisTokenStore, VerifiedClient } from '@verified-onboard/verified-client';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';
import { PipelineConsumer } from './consumers/pipeline-consumer.js';
import { Projector } from './consumers/projector.js';
import { SelfieUnavailableError } from './errors.js';
import { createLogger } from './logger.js';
import { createMetrics, startMetricsServer, type MetricsServer } from './metrics.js';
import { retryDelayMs } from './pipeline/backoff.js';
import { HintBook } from './pipeline/hint-book.js';
import { ParkedPolls } from './pipeline/parked-polls.js';
import { PollDispatcher } from './pipeline/poll-dispatcher.js';
import type { Step, StepJobData } from './pipeline/job-data.js';
import { OutcomeLog } from './pipeline/outcomes.js';
import { SecretStore } from './pipeline/secrets.js';
import { RecentRequests } from './pipeline/recent-requests.js';
import type { RequestSource } from './pipeline/request-source.js';
import type { SelfieSource } from './pipeline/selfie-source.js';
import type { StepContext, StepProcessor } from './pipeline/step-result.js';
import { StepRunner } from './pipeline/step-runner.js';
import { accountStep } from './processors/account.js';
import { beginStep } from './processors/begin.js';
import { credentialStep } from './processors/credential.js';
import { pollStep } from './processors/poll.js';
import { StepsQueue, STEPS_QUEUE_NAME, BACKOFF_TYPE } from './queues/steps-queue.js';
import { Ownership } from './upstream/ownership.js';
import { RedisRateLimiter } from './upstream/rate-limiter.js';
import { WebhookRegistration } from './upstream/webhook-registration.js';

export interface StartWorkerOptions {
  logger?: Logger;
  /** Run the read-model projector in this process (default: WORKER_ROLES has `projector`). */
  projector?: boolean;
  /** Run the steps: jobs, the pipeline consumer, poll dispatch, webhook registration (default: WORKER_ROLES has `steps`). */
  steps?: boolean;
  /** How many requests the pipeline consumer keeps for this process's steps (RecentRequests; 0: none). */
  recentRequests?: number;
}

export interface RunningWorker {
  /** Port of /metrics and /healthz (useful with WORKER_METRICS_PORT=0). */
  metricsPort: number;
  readonly queue: StepsQueue;
  readonly limiter: RedisRateLimiter;
  /** Graceful: stop consuming, let active jobs finish (bounded), commit offsets, close connections. */
  stop(): Promise<void>;
}

const PROCESSORS: Record<Step, StepProcessor> = {
  begin: beginStep,
  poll: pollStep,
  account: accountStep,
  credential: credentialStep,
};

/** Worker fleets pause job fetching through BullMQ's limiter key; the key only counts when a limiter is set. */
const UNBOUNDED_JOB_RATE = { max: 1_000_000_000, duration: 1000 };

/** Composition root: wires Redis, Kafka, the upstream client and BullMQ into one running worker. */
export async function startWorker(
  config: WorkerConfig,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const prefix = config.queuePrefix;
  const runSteps = options.steps ?? config.roles.includes('steps');
  const runProjector = options.projector ?? config.roles.includes('projector');
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error: Error) => logger.warn({ err: { message: error.message } }, 'close failed'));
    closers.length = 0;
  };

  try {
    // Auto-pipelining: the step runner issues many small independent commands per job from many concurrent
    // jobs; batching them per tick saved 13% of pipeline time in the benchmark (docs/benchmarks.md).
    const redisTls = { caFile: config.redisTlsCaFile };
    const redis = createRedis(
      config.redisUrl,
      { maxRetriesPerRequest: 3, enableAutoPipelining: true },
      redisTls,
    );
    closers.push(() => redis.quit());
    const bullConnection = () => {
      const connection = createRedis(config.redisUrl, { maxRetriesPerRequest: null }, redisTls);
      closers.push(() => connection.quit());
      return connection;
    };

    const queue = new StepsQueue({
      connection: bullConnection(),
      prefix,
      attempts: config.jobAttempts,
      keepFailedSec: config.keepFailedJobs.ageSec,
      keepFailedCount: config.keepFailedJobs.count,
    });
    closers.push(() => queue.close());
    const parked = new ParkedPolls(redis, prefix, queue, {
      enrollmentTtlSec: config.ownershipTtlSec,
      leaseMs: config.pollDispatch.leaseMs,
      batch: config.pollDispatch.batch,
      logger: logger.child({ component: 'poll-dispatch' }),
    });
    // Parked polls (pending operations waiting for their next look) show as state "parked" beside BullMQ's.
    const metrics = createMetrics(
      async () => ({ ...(await queue.counts()), parked: await parked.count() }),
      () => parked.overdueMs(),
    );

    // One keyring seals every secret this worker keeps in Redis: selfies, TempIds, capture URLs, vendor tokens.
    const keyring = Keyring.from(config.keyring);
    const limiter = new RedisRateLimiter(redis, {
      prefix,
      ratePerSec: config.verified.rateLimitPerSec,
      onWait: () => metrics.rateLimitWaits.inc(),
    });
    const client = new VerifiedClient({
      baseUrl: config.verified.baseUrl,
      apiKeyId: config.verified.apiKeyId,
      apiKeyValue: config.verified.apiKeyValue,
      timeoutMs: config.verified.timeoutMs,
      tokenStore: new RedisTokenStore(redis, { keyPrefix: `${prefix}:verified-token:`, cipher: keyring }),
      logger: logger.child({ component: 'verified-client' }),
      rateLimiter: limiter,
      onCall: (endpoint, outcome, ms) => {
        metrics.upstreamCalls.inc({ endpoint, outcome });
        metrics.upstreamDuration.observe({ endpoint }, ms / 1000);
      },
    });
    closers.push(() => client.close());

    const kafka = createKafka({
      brokers: config.kafka.brokers,
      security: config.kafka.security,
      clientId: config.kafka.clientId,
      logger: logger.child({ component: 'kafka' }),
    });
    const producer = new EventProducer(kafka, { topicPrefix: config.kafka.topicPrefix, logger });
    await producer.connect();
    closers.push(() => producer.disconnect());

    const keyPrefix = `${prefix}:`;
    // Follows readers' keyspace switches and feeds a running rebuild's target (see ProjectionRebuild).
    const readModel = new LiveReadModel(redis, keyPrefix);
    const vault = new SelfieVault(redis, { prefix: keyPrefix, key: keyring });
    const selfies: SelfieSource = {
      async get(ref, digest) {
        try {
          const base64 = await vault.get(ref, digest);
          return base64 === null ? null : Buffer.from(base64, 'base64');
        } catch (error) {
          if (error instanceof SelfieIntegrityError)
            throw new SelfieUnavailableError(error.message, { cause: error });
          throw error;
        }
      },
    };

    const ownership = new Ownership(redis, prefix, config.ownershipTtlSec, keyring);
    const secrets = new SecretStore(redis, prefix, keyring);
    const hints = new HintBook(redis, prefix, parked);
    const outcomes = new OutcomeLog(redis, prefix, config.ownershipTtlSec);
    const webhooks =
      runSteps && config.webhookPublicUrl
        ? new WebhookRegistration(client, {
            url: config.webhookPublicUrl,
            secretKey: config.verified.webhookSecret,
            logger,
          })
        : null;
    const recentRequests = new RecentRequests(options.recentRequests);
    const requests: RequestSource = {
      get: async (id) => recentRequests.get(id) ?? (await readModel.get(id))?.request ?? null,
    };
    const context: StepContext = {
      config,
      client,
      ownership,
      secrets,
      selfies,
      requests,
      hints,
      webhooks: webhooks ?? { active: false },
      now: () => Date.now(),
    };
    const runner = new StepRunner({
      config,
      processors: PROCESSORS,
      context,
      queue,
      outcomes,
      producer,
      hints,
      parked,
      secrets,
      limiter,
      metrics,
      logger,
    });

    if (webhooks) {
      closers.push(() => webhooks.stop());
      await webhooks.start();
    }

    const worker = !runSteps
      ? null
      : new Worker<StepJobData, void, Step>(STEPS_QUEUE_NAME, (job, token) => runner.process(job, token), {
          connection: bullConnection(),
          prefix,
          concurrency: config.concurrency,
          stalledInterval: config.stalledIntervalMs,
          lockDuration: config.lockDurationMs,
          // A job caught in several worker crashes must run again, not be failed by BullMQ without an event:
          // every step is idempotent, so re-running is always safe.
          maxStalledCount: config.maxStalledCount,
          limiter: UNBOUNDED_JOB_RATE,
          settings: {
            backoffStrategy: (attemptsMade, type, error) => {
              if (type !== BACKOFF_TYPE) return 0;
              return retryDelayMs(
                attemptsMade,
                (error as { retryAfterMs?: number } | undefined)?.retryAfterMs,
                config.backoff,
              );
            },
          },
        });
    worker?.on('error', (error) => logger.error({ err: { message: error.message } }, 'worker error'));
    let workerClosed = false;
    closers.push(async () => {
      if (!workerClosed) await worker?.close(true);
    });
    const dispatcher = runSteps
      ? new PollDispatcher(parked, config.pollDispatch, logger.child({ component: 'poll-dispatch' }))
      : null;
    dispatcher?.start();
    closers.push(async () => dispatcher?.stop());

    // Listening before the consumer groups are joined: a restarted worker can wait up to a session timeout
    // for the group of its killed predecessor to rebalance, and is alive (and scrapeable) meanwhile.
    let healthy = true;
    const server: MetricsServer = await startMetricsServer(metrics, {
      ...config.metrics,
      healthy: () => healthy,
    });
    closers.push(() => server.close());

    const topics = topicNames(config.kafka.topicPrefix);
    const pipeline = !runSteps
      ? null
      : new PipelineConsumer({
          kafka,
          groupId: config.kafka.pipelineGroup,
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
          topics,
          queue,
          hints,
          reader: readModel,
          recentRequests,
          maxAttempts: config.eventMaxAttempts,
          metrics,
          logger: logger.child({ component: 'pipeline-consumer' }),
        });
    await pipeline?.start();
    let consumersStopped = false;
    closers.push(async () => {
      if (!consumersStopped) await pipeline?.stop();
    });
    const projector = !runProjector
      ? null
      : new Projector({
          kafka,
          groupId: config.kafka.projectorGroup,
          topicPrefix: config.kafka.topicPrefix,
          readModel,
          logger: logger.child({ component: 'projector' }),
          metrics,
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        });
    if (projector) {
      await projector.start();
      closers.push(async () => {
        if (!consumersStopped) await projector.stop();
      });
    }

    logger.info(
      {
        metricsPort: server.port,
        concurrency: config.concurrency,
        prefix,
        steps: runSteps,
        projector: runProjector,
      },
      'worker started',
    );

    let stopping: Promise<void> | null = null;
    const stop = async () => {
      healthy = false;
      const started = Date.now();
      // 1. No new work: leave the consumer groups (offsets of handled events are committed on the way out).
      await Promise.all([pipeline?.stop(), projector?.stop(), dispatcher?.stop()]);
      consumersStopped = true;
      // 2. Active jobs finish within the budget; past it they are released (the lock lapses and another
      //    worker re-runs them: every step is idempotent).
      const budget = Math.max(100, config.shutdownTimeoutMs - (Date.now() - started));
      if (worker) {
        const graceful = worker.close().then(() => true);
        const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), budget).unref());
        if (!(await Promise.race([graceful, timedOut]))) {
          logger.warn({ budgetMs: budget }, 'active jobs did not finish in time; releasing them');
          await worker.close(true);
        }
      }
      workerClosed = true;
      limiter.close();
      // 3. Connections (producer flushes what is queued first).
      await closeAll();
      logger.info({ ms: Date.now() - started }, 'worker stopped');
    };
    return {
      metricsPort: server.port,
      queue,
      limiter,
      stop: () => (stopping ??= stop()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

import { Keyring } from '@verified-onboard/events';
import type { Logger } from 'pino';
import { Closers } from './composition/closers.js';
import { openRedis } from './composition/connections.js';
import { connectInfrastructure } from './composition/infrastructure.js';
import { startProjectorRole } from './composition/projector-role.js';
import { shutdown } from './composition/shutdown.js';
import { startStepsRole } from './composition/steps-role.js';
import { connectUpstream } from './composition/upstream.js';
import type { WorkerConfig } from './config.js';
import { createLogger } from './logger.js';
import { createMetrics, startMetricsServer } from './metrics.js';
import { ParkedPolls } from './pipeline/parked-polls.js';
import { StepsQueue } from './queues/steps-queue.js';
import type { RedisRateLimiter } from './stores/rate-limiter.js';

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

/**
 * Composition root: wires Redis, Kafka, the upstream client and BullMQ into one running worker. The roles and
 * their parts are built in `composition/`; this only decides which run and in what order.
 */
export async function startWorker(
  config: WorkerConfig,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const prefix = config.keyPrefix;
  const runSteps = options.steps ?? config.roles.includes('steps');
  const runProjector = options.projector ?? config.roles.includes('projector');
  const closers = new Closers(logger);

  try {
    const { redis, bullConnection } = openRedis(config, closers);
    const queue = new StepsQueue({
      connection: bullConnection(),
      prefix: config.queuePrefix,
      attempts: config.jobAttempts,
      keepFailedSec: config.keepFailedJobs.ageSec,
      keepFailedCount: config.keepFailedJobs.count,
    });
    closers.add(() => queue.close());
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
    const upstream = connectUpstream(config, redis, keyring, metrics, logger, closers);
    const infrastructure = await connectInfrastructure(config, redis, keyring, logger, closers);
    const steps = runSteps
      ? await startStepsRole({
          config,
          redis,
          bullConnection,
          keyring,
          queue,
          parked,
          metrics,
          upstream,
          infrastructure,
          recentRequests: options.recentRequests,
          logger,
          closers,
        })
      : null;

    // Listening before the consumer groups are joined: a restarted worker can wait up to a session timeout
    // for the group of its killed predecessor to rebalance, and is alive (and scrapeable) meanwhile.
    let healthy = true;
    const server = await startMetricsServer(metrics, { ...config.metrics, healthy: () => healthy });
    closers.add(() => server.close());
    await steps?.startConsuming();
    const projector = runProjector
      ? await startProjectorRole(config, infrastructure, metrics, logger, closers)
      : null;

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
    const { limiter } = upstream;
    let stopping: Promise<void> | null = null;
    const stop = () => {
      healthy = false;
      return shutdown({
        steps,
        projector,
        limiter,
        closers,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        logger,
      });
    };
    return { metricsPort: server.port, queue, limiter, stop: () => (stopping ??= stop()) };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

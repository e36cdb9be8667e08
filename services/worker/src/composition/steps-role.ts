import { topicNames, type Keyring } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import { PipelineConsumer } from '../consumers/pipeline-consumer.js';
import type { WorkerMetrics } from '../metrics.js';
import { HintBook } from '../pipeline/hint-book.js';
import type { Step } from '../pipeline/job-data.js';
import { OutcomeLog } from '../pipeline/outcomes.js';
import type { ParkedPolls } from '../pipeline/parked-polls.js';
import { PollDispatcher } from '../pipeline/poll-dispatcher.js';
import { RecentRequests } from '../pipeline/recent-requests.js';
import type { RequestSource } from '../pipeline/request-source.js';
import { SecretStore } from '../pipeline/secrets.js';
import type { StepContext, StepProcessor } from '../pipeline/step-contract.js';
import { StepRunner } from '../pipeline/step-runner.js';
import { accountStep } from '../processors/account.js';
import { beginStep } from '../processors/begin.js';
import { credentialStep } from '../processors/credential.js';
import { pollStep } from '../processors/poll.js';
import type { StepsQueue } from '../queues/steps-queue.js';
import { EffectIntents } from '../stores/effect-intents.js';
import { OperationStore } from '../stores/operation-store.js';
import { WebhookRegistration } from '../upstream/webhook-registration.js';
import type { Closers } from './closers.js';
import type { Infrastructure } from './infrastructure.js';
import { createStepsWorker } from './steps-worker.js';
import type { Upstream } from './upstream.js';

const PROCESSORS: Record<Step, StepProcessor> = {
  begin: beginStep,
  poll: pollStep,
  account: accountStep,
  credential: credentialStep,
};

export interface StepsRoleDeps {
  config: WorkerConfig;
  redis: Redis;
  bullConnection: () => Redis;
  keyring: Keyring;
  queue: StepsQueue;
  parked: ParkedPolls;
  metrics: WorkerMetrics;
  upstream: Upstream;
  infrastructure: Infrastructure;
  /** How many requests the pipeline consumer keeps for this process's steps (RecentRequests; 0: none). */
  recentRequests: number | undefined;
  logger: Logger;
  closers: Closers;
}

/** The steps role of a running worker, in the order a graceful stop takes it down. */
export interface StepsRole {
  /** Joins the pipeline consumer group (after the metrics server listens: joining can take a session timeout). */
  startConsuming(): Promise<void>;
  /** No new work: leaves the pipeline group and stops dispatching parked polls. */
  stopIntake(): Promise<void>;
  /** Lets active jobs finish within `budgetMs`; past it they are released to another worker. */
  drain(budgetMs: number): Promise<void>;
}

/**
 * Wires the stores, the step runner and its processors, registers the webhook, starts the BullMQ worker and the
 * parked-poll dispatcher. The pipeline consumer is built here and joins its group on `startConsuming()`.
 */
export async function startStepsRole(deps: StepsRoleDeps): Promise<StepsRole> {
  const { config, redis, keyring, queue, parked, metrics, logger, closers } = deps;
  const { client, limiter } = deps.upstream;
  const { kafka, producer, readModel, selfies } = deps.infrastructure;
  const prefix = config.keyPrefix;
  const intents = new EffectIntents(redis, prefix, config.ownershipTtlSec);
  const operations = new OperationStore(redis, prefix, config.ownershipTtlSec, keyring);
  const secrets = new SecretStore(redis, prefix, keyring);
  const hints = new HintBook(redis, prefix, parked);
  const outcomes = new OutcomeLog(redis, prefix, config.ownershipTtlSec);
  const webhooks = config.webhookPublicUrl
    ? new WebhookRegistration(client, {
        url: config.webhookPublicUrl,
        secretKey: config.verified.webhookSecret,
        logger,
      })
    : null;
  const recentRequests = new RecentRequests(deps.recentRequests);
  const requests: RequestSource = {
    get: async (id) => recentRequests.get(id) ?? (await readModel.get(id))?.request ?? null,
  };
  const context: StepContext = {
    config,
    client,
    intents,
    operations,
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
    closers.add(() => webhooks.stop());
    await webhooks.start();
  }

  const worker = createStepsWorker(config, runner, deps.bullConnection());
  worker.on('error', (error) => logger.error({ err: { message: error.message } }, 'worker error'));
  let workerClosed = false;
  closers.add(async () => {
    if (!workerClosed) await worker.close(true);
  });
  const dispatcher = new PollDispatcher(
    parked,
    config.pollDispatch,
    logger.child({ component: 'poll-dispatch' }),
  );
  dispatcher.start();
  closers.add(async () => dispatcher.stop());

  const pipeline = new PipelineConsumer({
    kafka,
    groupId: config.kafka.pipelineGroup,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    topics: topicNames(config.kafka.topicPrefix),
    queue,
    hints,
    reader: readModel,
    recentRequests,
    maxAttempts: config.eventMaxAttempts,
    metrics,
    logger: logger.child({ component: 'pipeline-consumer' }),
  });
  let intakeStopped = false;

  return {
    async startConsuming() {
      await pipeline.start();
      closers.add(async () => {
        if (!intakeStopped) await pipeline.stop();
      });
    },
    async stopIntake() {
      await Promise.all([pipeline.stop(), dispatcher.stop()]);
      intakeStopped = true;
    },
    async drain(budgetMs) {
      const graceful = worker.close().then(() => true);
      const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), budgetMs).unref());
      if (!(await Promise.race([graceful, timedOut]))) {
        logger.warn({ budgetMs }, 'active jobs did not finish in time; releasing them');
        await worker.close(true);
      }
      workerClosed = true;
    },
  };
}

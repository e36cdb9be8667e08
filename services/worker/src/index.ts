export {
  loadConfig,
  workerEnvSchema,
  ConfigError,
  type WorkerConfig,
  type WorkerEnv,
  type PollSchedule,
} from './config.js';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './worker-app.js';
export { Projector, ProjectionApplier, type ProjectionStats } from './consumers/projector.js';
export { PipelineConsumer } from './consumers/pipeline-consumer.js';
export { StepsQueue, stepPriority } from './queues/steps-queue.js';
export { RedisRateLimiter, RateLimiterClosedError } from './stores/rate-limiter.js';
export { EffectIntents } from './stores/effect-intents.js';
export { OperationStore } from './stores/operation-store.js';
export { workerKeys } from './keys.js';
export { stepJobId, type StepJobData } from './pipeline/job-data.js';
export { nextPoll } from './pipeline/poll-schedule.js';
export { retryDelayMs } from './pipeline/backoff.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export * from './errors.js';

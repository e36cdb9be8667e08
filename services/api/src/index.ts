export { buildApp, type AppDeps } from './app.js';
export { loadConfig, envSchema, ConfigError, type ApiConfig } from './config.js';
export { PipelineOpsService } from './ops/pipeline-ops-service.js';
export {
  type OpsService,
  type RetrySelector,
  type ReplaySelector,
  type FailedFilter,
} from './ops/ops-service.js';
export type { SelfieStore } from './enrollments/requested-event.js';
export * from './errors.js';

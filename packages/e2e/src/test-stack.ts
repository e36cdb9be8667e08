// The stack the e2e test files run against: real processes on the test run's Redis and Kafka (no private
// broker: starting one costs a JVM), with a worker tuned for quick tests. A file starts one in beforeAll and
// runs all its cases on it; cases that change the emulator's scenario put it back.
import { startE2eStack, type E2eStack } from './e2e-stack.js';

/** Everyone accepts at once, webhooks delivered, no faults. */
export const HAPPY_SCENARIO = {
  user: { outcome: 'accept', afterMs: 0, mix: null },
  latencyMs: { min: 0, max: 0 },
  webhook: { enabled: true, dropRate: 0 },
};

/** Worker settings for tests: fast polls and backoff, and only 2 attempts so a forced fault fails a step quickly. */
export const TEST_WORKER_ENV: Record<string, string> = {
  WORKER_CONCURRENCY: '16',
  WORKER_JOB_ATTEMPTS: '2',
  WORKER_BACKOFF_BASE_MS: '50',
  WORKER_BACKOFF_MAX_MS: '200',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_SHUTDOWN_TIMEOUT_MS: '3000',
  VERIFIED_TIMEOUT_MS: '2000',
  POLL_INITIAL_INTERVAL_MS: '200',
  POLL_FAST_PHASE_MS: '5000',
  POLL_MAX_INTERVAL_MS: '1000',
  POLL_GRACE_MS: '1000',
  POLL_HINT_RECHECK_MS: '100',
  POLL_DISPATCH_INTERVAL_MS: '100',
  // Webhooks are on: without this the backup poll after a lost webhook would come only after 60 s.
  POLL_WEBHOOK_INTERVAL_MS: '1000',
};

export function startTestStack(label: string): Promise<E2eStack> {
  return startE2eStack({ label, kafka: 'shared', workerEnv: TEST_WORKER_ENV, scenario: HAPPY_SCENARIO });
}

import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import { Projector } from '../consumers/projector.js';
import type { WorkerMetrics } from '../metrics.js';
import type { Closers } from './closers.js';
import type { Infrastructure } from './infrastructure.js';

/** Starts the read-model projector in its own consumer group; `stop()` leaves the group. */
export async function startProjectorRole(
  config: WorkerConfig,
  { kafka, readModel }: Infrastructure,
  metrics: WorkerMetrics,
  logger: Logger,
  closers: Closers,
): Promise<{ stop(): Promise<void> }> {
  const projector = new Projector({
    kafka,
    groupId: config.kafka.projectorGroup,
    topicPrefix: config.kafka.topicPrefix,
    readModel,
    logger: logger.child({ component: 'projector' }),
    metrics,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
  });
  await projector.start();
  let stopped = false;
  closers.add(async () => {
    if (!stopped) await projector.stop();
  });
  return {
    async stop() {
      await projector.stop();
      stopped = true;
    },
  };
}

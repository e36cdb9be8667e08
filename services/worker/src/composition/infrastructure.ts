import { sharedKeys } from '@verified-onboard/contracts';
import { type Keyring } from '@verified-onboard/events';
import {
  createKafka,
  EventProducer,
  LiveReadModel,
  SelfieIntegrityError,
  SelfieVault,
  type Kafka,
} from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import { SelfieUnavailableError } from '../errors.js';
import type { SelfieSource } from '../pipeline/selfie-source.js';
import type { Closers } from './closers.js';

export interface Infrastructure {
  kafka: Kafka;
  producer: EventProducer;
  readModel: LiveReadModel;
  selfies: SelfieSource;
}

/** Kafka (a connected producer), the read model and the selfie vault, as the steps and the projector use them. */
export async function connectInfrastructure(
  config: WorkerConfig,
  redis: Redis,
  keyring: Keyring,
  logger: Logger,
  closers: Closers,
): Promise<Infrastructure> {
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    security: config.kafka.security,
    clientId: config.kafka.clientId,
    logger: logger.child({ component: 'kafka' }),
  });
  const producer = new EventProducer(kafka, { topicPrefix: config.kafka.topicPrefix, logger });
  await producer.connect();
  closers.add(() => producer.disconnect());

  const shared = sharedKeys(config.keyPrefix);
  // Follows readers' keyspace switches and feeds a running rebuild's target (see ProjectionRebuild).
  const readModel = new LiveReadModel(redis, shared.readModelBase);
  return {
    kafka,
    producer,
    readModel,
    selfies: selfieSource(new SelfieVault(redis, { prefix: shared.selfieVault, key: keyring })),
  };
}

/** Selfies as the begin step reads them: a blob that fails its integrity check is the worker's typed error. */
function selfieSource(vault: SelfieVault): SelfieSource {
  return {
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
}

import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { LoggerLike } from '../logger.js';
import { kafkaClientSecurity, type KafkaSecurity } from './kafka-security.js';

// Only src/kafka/* imports kafkajs (no longer maintained): replacing the client touches these files alone.
export type { Kafka };

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  /** pino-compatible; without one the client is silent. */
  logger?: LoggerLike;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Client-level retries (connects, metadata, admin); default 5. */
  retries?: number;
  /** TLS and SASL (parseKafkaSecurity from the KAFKA_* variables); default plaintext. */
  security?: KafkaSecurity;
}

export function createKafka(options: CreateKafkaOptions): Kafka {
  const { logger } = options;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...kafkaClientSecurity(options.security),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...rest } = entry.log;
      const obj = { kafka: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) logger.error(obj, message);
      else if (entry.level === logLevel.WARN) logger.warn(obj, message);
      else if (entry.level === logLevel.INFO) logger.info(obj, message);
      else logger.debug(obj, message);
    },
  });
}

import {
  type EnrollmentEvent,
  type EventEnvelope,
  EVENT_TYPES,
  isEnrollmentEventType,
} from '@verified-onboard/events';
import type { Kafka } from './create-kafka.js';
import { scanEventLog } from './log-scanner.js';
import type { LoggerLike } from '../logger.js';

export interface ReadEnrollmentStreamsOptions {
  /** The enrollment events topic. */
  topic: string;
  /** Read from this time (ms) on; enrollments requested earlier are not seen. */
  fromTimestamp?: number;
  /** Which enrollments to keep, decided on their `requested` event; default all. */
  select?: (requested: EventEnvelope<typeof EVENT_TYPES.requested>) => boolean;
  timeoutMs?: number;
  logger?: LoggerLike;
}

/**
 * The event streams of the selected enrollments, as the log has them now (each in sequence order): the source
 * of truth that ops replay, the soak's checks and the demo's report fold or measure.
 */
export async function readEnrollmentStreams(
  kafka: Kafka,
  options: ReadEnrollmentStreamsOptions,
): Promise<Map<string, EnrollmentEvent[]>> {
  const streams = new Map<string, EnrollmentEvent[]>();
  await scanEventLog(kafka, {
    topic: options.topic,
    ...(options.fromTimestamp !== undefined && { fromTimestamp: options.fromTimestamp }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.logger && { logger: options.logger }),
    onEvent: (event) => {
      if (!isEnrollmentEventType(event.type)) return;
      if (event.type === EVENT_TYPES.requested && (options.select?.(event) ?? true)) {
        streams.set(event.subject, []);
      }
      streams.get(event.subject)?.push(event as EnrollmentEvent);
    },
  });
  return streams;
}

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { decodeEvent, type EventEnvelope } from '@verified-onboard/events';
import { silentLogger, type LoggerLike } from '../logger.js';

export interface ScanOptions {
  topic: string;
  /** Start each partition at the first offset at or after this time (ms); default the beginning of the log. */
  fromTimestamp?: number;
  /** Called for every decodable event, in partition order. */
  onEvent: (event: EventEnvelope, position: { partition: number; offset: string }) => void | Promise<void>;
  /** Gives up with an error when the end of the log (as of the start) is not reached by then. Default 5 min. */
  timeoutMs?: number;
  logger?: LoggerLike;
}

export interface ScanResult {
  events: number;
  /** Messages that could not be decoded (they sit in the log; the live consumers dead-lettered them). */
  undecodable: number;
}

export class LogScanTimeoutError extends Error {
  readonly code = 'log_scan_timeout';
}

/**
 * Reads a topic once, from the beginning (or a point in time) up to the end it had when the scan started,
 * without joining or committing for any live consumer group: the read-only view ops need for replay, and
 * reports need for timelines. A throwaway group is used (kafkajs can only seek inside one) and deleted after.
 */
export async function scanEventLog(kafka: Kafka, options: ScanOptions): Promise<ScanResult> {
  const logger = options.logger ?? silentLogger;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `log-scan-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const result: ScanResult = { events: 0, undecodable: 0 };
  try {
    const end = new Map<number, bigint>();
    const start = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(options.topic)) {
      end.set(p.partition, BigInt(p.high));
      start.set(p.partition, BigInt(p.low));
    }
    if (options.fromTimestamp !== undefined) {
      for (const p of await admin.fetchTopicOffsetsByTimestamp(options.topic, options.fromTimestamp)) {
        // -1 means no message at or after that time: the partition has nothing to scan.
        start.set(p.partition, p.offset === '-1' ? (end.get(p.partition) ?? 0n) : BigInt(p.offset));
      }
    }
    const remaining = new Set(
      [...end]
        .filter(([partition, high]) => (start.get(partition) ?? 0n) < high)
        .map(([partition]) => partition),
    );
    if (remaining.size === 0) return result;

    let finish!: () => void;
    let fail!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, ...payload }) => {
        const high = end.get(batch.partition) ?? 0n;
        const low = start.get(batch.partition) ?? 0n;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset >= high) break;
          // A fetch can race the seek below and begin at offset zero: skip what lies before the start.
          if (offset < low) continue;
          try {
            const event = decodeEvent(message);
            result.events++;
            await options.onEvent(event, { partition: batch.partition, offset: message.offset });
          } catch (error) {
            if ((error as { code?: string }).code !== 'invalid_event') {
              fail(error as Error);
              return;
            }
            result.undecodable++;
          }
          if (offset + 1n >= high) {
            remaining.delete(batch.partition);
            consumer.pause([{ topic: options.topic, partitions: [batch.partition] }]);
          }
        }
        await payload.heartbeat();
        if (remaining.size === 0) finish();
      },
    });
    for (const [partition, offset] of start) {
      if (remaining.has(partition))
        consumer.seek({ topic: options.topic, partition, offset: offset.toString() });
    }
    const timeoutMs = options.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LogScanTimeoutError(`scan of ${options.topic} not finished within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return result;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin
      .deleteGroups([groupId])
      .catch((error: Error) =>
        logger.warn({ groupId, err: { message: error.message } }, 'could not delete the scan group'),
      );
    await admin.disconnect();
  }
}

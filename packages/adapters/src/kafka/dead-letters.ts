import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@verified-onboard/events';
import { KeyPartitioner } from './key-partitioner.js';

// The dead-letter topic has one partition (topics.ts), so a dead letter is named by its offset alone.
const PARTITION = 0;

export interface DeadLetter {
  offset: string;
  key: string | null;
  /** When it was dead-lettered (the record's timestamp). */
  at: string;
  reason: string | null;
  error: string | null;
  attempts: number | null;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: string | null;
  /** ce_type and ce_id of the original record, when it had them. */
  type: string | null;
  eventId: string | null;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Offset to ask for next; null at the end of the topic. */
  nextOffset: string | null;
}

const header = (headers: IHeaders | undefined, name: string): string | null => {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? null : value.toString();
};

function describe(message: KafkaMessage): DeadLetter {
  const h = message.headers;
  const attempts = header(h, DLQ_HEADERS.attempts);
  const partition = header(h, DLQ_HEADERS.sourcePartition);
  return {
    offset: message.offset,
    key: message.key?.toString() ?? null,
    at: new Date(Number(message.timestamp)).toISOString(),
    reason: header(h, DLQ_HEADERS.reason),
    error: header(h, DLQ_HEADERS.error),
    attempts: attempts === null ? null : Number(attempts),
    sourceTopic: header(h, DLQ_HEADERS.sourceTopic),
    sourcePartition: partition === null ? null : Number(partition),
    sourceOffset: header(h, DLQ_HEADERS.sourceOffset),
    type: header(h, 'ce_type'),
    eventId: header(h, 'ce_id'),
  };
}

/** Reads at most `limit` records of partition 0 from `from` on (a throwaway group; nothing is committed). */
async function readRange(
  kafka: Kafka,
  topic: string,
  from: bigint,
  limit: number,
  timeoutMs = 30_000,
): Promise<{ messages: KafkaMessage[]; high: bigint }> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `dead-letters-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  try {
    const offsets = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === PARTITION);
    const low = BigInt(offsets?.low ?? '0');
    const high = BigInt(offsets?.high ?? '0');
    const start = from > low ? from : low;
    const end = start + BigInt(limit) < high ? start + BigInt(limit) : high;
    const messages: KafkaMessage[] = [];
    if (start >= end) return { messages, high };
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, ...payload }) => {
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < start) continue;
          if (offset >= end) break;
          messages.push(message);
          if (offset + 1n >= end) finish();
        }
        await payload.heartbeat();
      },
    });
    consumer.seek({ topic, partition: PARTITION, offset: start.toString() });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return { messages, high };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** One page of dead letters, oldest first: what they are and where from, never their values. */
export async function listDeadLetters(
  kafka: Kafka,
  options: { topic: string; fromOffset?: string; limit: number },
): Promise<DeadLetterPage> {
  const { messages, high } = await readRange(
    kafka,
    options.topic,
    BigInt(options.fromOffset ?? '0'),
    options.limit,
  );
  const last = messages.at(-1);
  const next = last ? BigInt(last.offset) + 1n : null;
  return { items: messages.map(describe), nextOffset: next !== null && next < high ? next.toString() : null };
}

/**
 * Publishes the selected dead letters again to their source topic, as they were (key, value, original headers
 * without the dlq-* ones), so the consumer that gave up on them tries again. Only to `allowedTopics`: a
 * dead letter's headers must not choose where the api writes.
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  options: { topic: string; offsets: string[]; allowedTopics: readonly string[] },
): Promise<{ redriven: string[]; missing: string[] }> {
  const wanted = [...new Set(options.offsets)].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const first = wanted[0];
  const lastWanted = wanted.at(-1);
  if (first === undefined || lastWanted === undefined) return { redriven: [], missing: [] };
  const span = Number(lastWanted - first) + 1;
  const { messages } = await readRange(kafka, options.topic, first, Math.min(span, 10_000));
  const byOffset = new Map(messages.map((m) => [m.offset, m]));
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: KeyPartitioner,
  });
  await producer.connect();
  const redriven: string[] = [];
  const missing: string[] = [];
  try {
    for (const offset of wanted.map(String)) {
      const message = byOffset.get(offset);
      const target = message ? header(message.headers, DLQ_HEADERS.sourceTopic) : null;
      if (!message || !target || !options.allowedTopics.includes(target)) {
        missing.push(offset);
        continue;
      }
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).filter(([name]) => !name.startsWith('dlq-')),
      );
      await producer.send({
        topic: target,
        acks: -1,
        messages: [{ key: message.key, value: message.value, headers }],
      });
      redriven.push(offset);
    }
  } finally {
    await producer.disconnect();
  }
  return { redriven, missing };
}

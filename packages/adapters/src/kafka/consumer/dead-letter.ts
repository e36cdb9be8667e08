import type { IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DLQ_HEADERS } from '@verified-onboard/events';
import { KeyPartitioner } from '../key-partitioner.js';
import { retryWithBackoff } from './backoff.js';
import { newBackoff, type ChunkOutcome, type ConsumerContext } from './options.js';

/** What a dead letter says about why it is there (dlq-reason, dlq-error). */
export interface DeadLetterCause {
  reason: string;
  error: string;
  attempts?: number;
}

/** Where a dead record came from. */
export interface RecordOrigin {
  topic: string;
  partition: number;
}

/**
 * Publishes records the consumer gives up on to the dead-letter topic, with their headers and the cause, and
 * retries a failed publish until it lands or the partition is no longer active: a record is never skipped
 * without a copy in the dead-letter topic.
 */
export class DeadLetterPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly context: ConsumerContext,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish(
    origin: RecordOrigin,
    message: KafkaMessage,
    cause: DeadLetterCause,
    active: () => boolean,
  ): Promise<ChunkOutcome> {
    const { options, logger, counters, signal } = this.context;
    const headers: IHeaders = {
      ...message.headers,
      [DLQ_HEADERS.reason]: cause.reason,
      [DLQ_HEADERS.error]: cause.error.slice(0, 512),
      ...(cause.attempts !== undefined && { [DLQ_HEADERS.attempts]: String(cause.attempts) }),
      [DLQ_HEADERS.sourceTopic]: origin.topic,
      [DLQ_HEADERS.sourcePartition]: String(origin.partition),
      [DLQ_HEADERS.sourceOffset]: message.offset,
    };
    const sent = await retryWithBackoff(
      async () => {
        await this.producer.send({
          topic: options.deadLetterTopic,
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
      },
      {
        backoff: newBackoff(options),
        signal,
        active,
        onError: (error) =>
          logger.error(
            { err: { message: (error as Error).message }, topic: options.deadLetterTopic },
            'dead-letter publish failed; retrying',
          ),
      },
    );
    if (sent.outcome !== 'done') return 'stopped';
    counters.deadLettered++;
    logger.warn(
      { reason: cause.reason, topic: origin.topic, partition: origin.partition, offset: message.offset },
      'message dead-lettered',
    );
    return 'done';
  }
}

import { TOPIC_CATALOGUE } from '@verified-onboard/events';
import type { BenchStack } from './harness.js';

/**
 * A baseline's bare kafkajs producer with the EventProducer's guarantees (idempotent, hence one request in
 * flight; the caller sends with acks from all replicas), connected, writing to `topic`, which it creates with
 * the enrollment events topic's partitions so the baseline spreads its records as the pipeline does.
 */
export async function rawProducerFor(
  stack: BenchStack,
  topic: string,
): Promise<ReturnType<BenchStack['kafka']['producer']>> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: TOPIC_CATALOGUE.enrollmentEvents.partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  const producer = stack.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}

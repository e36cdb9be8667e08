// Proves the locally launched broker (Kafka 3.9 from Maven Central) serves what kafkajs 2.2.4 needs:
// topic administration, acknowledged produce, and consumption inside a consumer group.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedNames, testInfra } from '../src/index.js';

const { kafkaBrokers } = testInfra();
const names = isolatedNames('kafka-broker');
const kafka = new Kafka({ clientId: names.id, brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** Each case works on a topic of its own, so any case passes alone. */
async function createTopic(name: string): Promise<string> {
  const topic = `${names.topicPrefix}${name}`;
  expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(
    true,
  );
  return topic;
}

describe('the local Kafka broker with kafkajs 2.2.4', () => {
  it('creates, describes and deletes topics', async () => {
    const topic = await createTopic('admin');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
    const again = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    expect(again).toBe(false); // already exists: idempotent

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('produces with acks from all replicas and consumes every message in a consumer group', async () => {
    const topic = await createTopic('produce-consume');
    const groupId = `${names.groupPrefix}smoke`;
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    const records = await producer.send({ topic, acks: -1, messages });
    expect(records.every((r) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ message }) => {
            seen.push(message.value?.toString() ?? '(no value)');
            if (seen.length === messages.length) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual(messages.map((m) => m.value).sort());

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(messages.length);
    await admin.deleteTopics({ topics: [topic] });
  });
});

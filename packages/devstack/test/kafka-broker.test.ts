// Proves the locally launched broker (Kafka 3.9 from Maven Central) serves what kafkajs 2.2.4 needs:
// topic administration, acknowledged produce, and consumption inside a consumer group.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedNames, testInfra } from '../src/index.js';

const { kafkaBrokers } = testInfra();
const names = isolatedNames('kafka-broker');
const kafka = new Kafka({ clientId: names.id, brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topic = `${names.topicPrefix}smoke`;

afterAll(async () => {
  await admin.disconnect();
});

describe('the local Kafka broker with kafkajs 2.2.4', () => {
  it('creates, describes and deletes topics', async () => {
    await admin.connect();
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
    const again = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    expect(again).toBe(false); // already exists: idempotent
  });

  it('produces with acks from all replicas and consumes every message in a consumer group', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    const records = await producer.send({ topic, acks: -1, messages });
    expect(records.every((r) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${names.groupPrefix}smoke` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === messages.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual(messages.map((m) => m.value).sort());

    const offsets = await admin.fetchOffsets({ groupId: `${names.groupPrefix}smoke`, topics: [topic] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(messages.length);
  });

  it('deletes the topic', async () => {
    await admin.deleteTopics({ topics: [topic] });
    const topics = await admin.listTopics();
    expect(topics).not.toContain(topic);
  });
});

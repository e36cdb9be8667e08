import { isolatedNames, testInfra } from '@verified-onboard/devstack';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { TOPIC_CATALOGUE, topicNames } from '@verified-onboard/events';
import { createKafka, ensureTopics } from '../src/index.js';

const { kafkaBrokers } = testInfra();
const names = isolatedNames('events-topics');
const kafka = createKafka({ brokers: kafkaBrokers, clientId: names.id });
const admin = kafka.admin();

afterAll(async () => {
  await admin.deleteTopics({ topics: Object.values(topicNames(names.topicPrefix)) }).catch(() => undefined);
  await admin.disconnect();
});

describe('topic catalogue', () => {
  it('names topics from one place, with a prefix for isolation', () => {
    expect(topicNames()).toEqual({
      enrollmentEvents: 'verified.enrollment.events.v1',
      hints: 'verified.hints.v1',
      deadLetter: 'verified.dead-letter.v1',
      opsAudit: 'verified.ops.audit.v1',
    });
    expect(topicNames('t-1.').hints).toBe('t-1.verified.hints.v1');
    expect(TOPIC_CATALOGUE.enrollmentEvents).toMatchObject({ partitions: 12, retentionMs: -1 });
    expect(TOPIC_CATALOGUE.hints).toMatchObject({ partitions: 6, retentionMs: 7 * 86_400_000 });
    expect(TOPIC_CATALOGUE.deadLetter).toMatchObject({ partitions: 1, retentionMs: 30 * 86_400_000 });
    expect(TOPIC_CATALOGUE.opsAudit).toMatchObject({ partitions: 1, retentionMs: 400 * 86_400_000 });
  });

  it('ensureTopics creates them with partitions and retention on the broker, idempotently and under races', async () => {
    const created = await Promise.all([
      ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 4 }),
      ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 4 }),
    ]);
    expect(created[0]).toEqual(topicNames(names.topicPrefix));
    await ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 4 });

    await admin.connect();
    const t = topicNames(names.topicPrefix);
    const meta = await admin.fetchTopicMetadata({ topics: Object.values(t) });
    const partitions = Object.fromEntries(meta.topics.map((m) => [m.name, m.partitions.length]));
    expect(partitions).toEqual({
      [t.enrollmentEvents]: 4,
      [t.hints]: 6,
      [t.deadLetter]: 1,
      [t.opsAudit]: 1,
    });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: Object.values(t).map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'cleanup.policy'],
      })),
    });
    const retention = Object.fromEntries(
      configs.resources.map((r) => [
        r.resourceName,
        r.configEntries.find((c) => c.configName === 'retention.ms')?.configValue,
      ]),
    );
    expect(retention).toEqual({
      [t.enrollmentEvents]: '-1',
      [t.hints]: String(7 * 86_400_000),
      [t.deadLetter]: String(30 * 86_400_000),
      [t.opsAudit]: String(400 * 86_400_000),
    });
  });
});

import type { Kafka } from 'kafkajs';
import { topicDefinitions, topicNames, type TopicNames, type TopicOverrides } from '@verified-onboard/events';

function alreadyExists(error: unknown): boolean {
  const e = error as { type?: string; errors?: unknown[] };
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every(alreadyExists);
}

/**
 * Creates the catalogue's topics for a prefix when missing, waiting for partition leaders. Idempotent and
 * safe when several processes race. Existing topics are left as they are: adding partitions would move
 * keys to other partitions and break per-enrollment ordering, so that stays an explicit ops decision.
 */
export async function ensureTopics(
  kafka: Kafka,
  prefix = '',
  overrides: TopicOverrides = {},
): Promise<TopicNames> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicDefinitions(prefix, overrides).filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.numPartitions,
            ...(t.replicationFactor !== undefined ? { replicationFactor: t.replicationFactor } : {}),
            configEntries: t.configEntries,
          })),
        });
      } catch (error) {
        if (!alreadyExists(error)) throw error;
      }
    }
    return topicNames(prefix);
  } finally {
    await admin.disconnect();
  }
}

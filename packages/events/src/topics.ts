/** Base topic names; a prefix (tests, tenants) is prepended verbatim. */
export const TOPIC_BASE_NAMES = {
  enrollmentEvents: 'verified.enrollment.events.v1',
  hints: 'verified.hints.v1',
  deadLetter: 'verified.dead-letter.v1',
  opsAudit: 'verified.ops.audit.v1',
} as const;
export type TopicKey = keyof typeof TOPIC_BASE_NAMES;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TopicSpec {
  base: string;
  partitions: number;
  /** retention.ms; -1 keeps everything. */
  retentionMs: number;
  cleanupPolicy: 'delete' | 'compact';
  description: string;
}

/** The one place topic names, partitioning and retention are defined (ensureTopics and the AsyncAPI document read it). */
export const TOPIC_CATALOGUE: Readonly<Record<TopicKey, TopicSpec>> = {
  enrollmentEvents: {
    base: TOPIC_BASE_NAMES.enrollmentEvents,
    partitions: 12,
    // The log is the source of truth (the read model is rebuilt from it), so it is never deleted.
    retentionMs: -1,
    cleanupPolicy: 'delete',
    description: "Every enrollment's domain events, keyed and ordered by enrollment id.",
  },
  hints: {
    base: TOPIC_BASE_NAMES.hints,
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    description: 'Prompts to look again (verified webhooks, capture page finished): never facts.',
  },
  deadLetter: {
    base: TOPIC_BASE_NAMES.deadLetter,
    partitions: 1,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    description:
      'Messages that failed decoding or validation, or whose handler failed every attempt, verbatim, with dlq-* headers saying why and where from.',
  },
  opsAudit: {
    base: TOPIC_BASE_NAMES.opsAudit,
    partitions: 1,
    // The audit trail outlives the actions it records; it holds key ids and enrollment ids, no personal data.
    retentionMs: 400 * DAY_MS,
    cleanupPolicy: 'delete',
    description:
      'Every operator action (retry, replay, rebuild, redrive, dashboard writes), recorded before it runs.',
  },
};

export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix = ''): TopicNames {
  return {
    enrollmentEvents: `${prefix}${TOPIC_BASE_NAMES.enrollmentEvents}`,
    hints: `${prefix}${TOPIC_BASE_NAMES.hints}`,
    deadLetter: `${prefix}${TOPIC_BASE_NAMES.deadLetter}`,
    opsAudit: `${prefix}${TOPIC_BASE_NAMES.opsAudit}`,
  };
}

export interface TopicOverrides {
  /** Partitions of the enrollment events topic (default 12). */
  enrollmentPartitions?: number;
  hintPartitions?: number;
  replicationFactor?: number;
}

/** The topics to create for a prefix, with config entries as Kafka expects them. */
export function topicDefinitions(prefix = '', overrides: TopicOverrides = {}) {
  const names = topicNames(prefix);
  const partitions: Record<TopicKey, number> = {
    enrollmentEvents: overrides.enrollmentPartitions ?? TOPIC_CATALOGUE.enrollmentEvents.partitions,
    hints: overrides.hintPartitions ?? TOPIC_CATALOGUE.hints.partitions,
    deadLetter: TOPIC_CATALOGUE.deadLetter.partitions,
    opsAudit: TOPIC_CATALOGUE.opsAudit.partitions,
  };
  return (Object.keys(TOPIC_CATALOGUE) as TopicKey[]).map((key) => ({
    key,
    topic: names[key],
    numPartitions: partitions[key],
    replicationFactor: overrides.replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(TOPIC_CATALOGUE[key].retentionMs) },
      { name: 'cleanup.policy', value: TOPIC_CATALOGUE[key].cleanupPolicy },
    ],
  }));
}

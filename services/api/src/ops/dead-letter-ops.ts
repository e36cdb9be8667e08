import { type TopicNames } from '@verified-onboard/events';
import {
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetterPage,
  type Kafka,
} from '@verified-onboard/adapters';
import { z } from 'zod';

export const deadLetterQuerySchema = z.object({
  from: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional()
    .describe('nextOffset of the previous page.'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const deadLetterPageSchema = z.object({
  items: z.array(
    z.object({
      offset: z.string(),
      key: z.string().nullable(),
      at: z.string(),
      reason: z.string().nullable(),
      error: z.string().nullable(),
      attempts: z.number().nullable(),
      sourceTopic: z.string().nullable(),
      sourcePartition: z.number().nullable(),
      sourceOffset: z.string().nullable(),
      type: z.string().nullable(),
      eventId: z.string().nullable(),
    }),
  ),
  nextOffset: z.string().nullable(),
});

export const redriveBodySchema = z.strictObject({
  offsets: z
    .array(z.string().regex(/^\d{1,19}$/))
    .min(1)
    .max(100)
    .describe('Offsets of dead letters (GET /v1/ops/dead-letters) to publish again to their source topic.'),
});

export const redriveResultSchema = z.object({
  redriven: z.array(z.string()),
  missing: z.array(z.string()).describe('Offsets not found, or whose source topic is not one of ours.'),
});

/** Dead letters for ops: a bounded page to look at, and a redrive to their source topic. */
export class DeadLetterOps {
  constructor(
    private readonly kafka: Kafka,
    private readonly topics: TopicNames,
  ) {}

  list(from: string | undefined, limit: number): Promise<DeadLetterPage> {
    return listDeadLetters(this.kafka, {
      topic: this.topics.deadLetter,
      ...(from !== undefined && { fromOffset: from }),
      limit,
    });
  }

  redrive(offsets: string[]): Promise<{ redriven: string[]; missing: string[] }> {
    return redriveDeadLetters(this.kafka, {
      topic: this.topics.deadLetter,
      offsets,
      allowedTopics: [this.topics.enrollmentEvents, this.topics.hints],
    });
  }
}

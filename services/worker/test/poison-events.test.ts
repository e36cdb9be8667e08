// A pipeline event the worker cannot handle (a retry of an enrollment the read model does not know) goes to
// the dead-letter topic after WORKER_EVENT_MAX_ATTEMPTS, and the enrollment behind it on its partition runs.
import { waitFor } from '@verified-onboard/devstack';
import { randomUUID } from 'node:crypto';
import {
  createEvent,
  DLQ_HEADERS,
  encodeEvent,
  EVENT_TYPES,
  topicNames,
  type EventEnvelope,
} from '@verified-onboard/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_SOURCE, useHarness } from './support/harness.js';

describe('a poison pipeline event', () => {
  const h = useHarness('worker-poison-events');

  beforeAll(async () => {
    await h.startWorker({ WORKER_EVENT_MAX_ATTEMPTS: '2' });
  });

  it('is dead-lettered and the partition moves on', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const e = await h.request();
    // A retry of an enrollment that was never requested: the read model can never place it (MissingContextError
    // on every attempt, however long the test waits). Both records go to partition 0 by hand, the poison first,
    // so the enrollment completes only if the partition moves past the poison.
    const stranger = randomUUID();
    const poison = createEvent({
      type: EVENT_TYPES.retried,
      subject: stranger,
      sequence: 2,
      data: { step: 'account', reason: 'test', requestedBy: 'test' },
      source: TEST_SOURCE,
      correlationId: stranger,
      discriminator: 2,
    });
    const producer = h.kafka.producer();
    await producer.connect();
    try {
      const toPartitionZero = (event: EventEnvelope) => {
        const { key, value, headers } = encodeEvent(event);
        return { key, value, headers, partition: 0 };
      };
      await producer.send({
        topic: topicNames(h.names.topicPrefix).enrollmentEvents,
        messages: [toPartitionZero(poison), toPartitionZero(e)],
      });
    } finally {
      await producer.disconnect();
    }
    await h.waitForStatus(e.subject, ['completed'], 30_000);

    const dlq = h.kafka.consumer({ groupId: `${h.names.groupPrefix}dlq-reader` });
    await dlq.connect();
    try {
      await dlq.subscribe({ topic: topicNames(h.names.topicPrefix).deadLetter, fromBeginning: true });
      const letters: Record<string, string>[] = [];
      await dlq.run({
        eachMessage: ({ message }) => {
          letters.push(
            Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          );
          return Promise.resolve();
        },
      });
      await waitFor('the dead letter', () => letters.length === 1);
      expect(letters[0]).toMatchObject({
        ce_id: poison.id,
        [DLQ_HEADERS.reason]: 'handler_failed',
        [DLQ_HEADERS.attempts]: '2',
      });
    } finally {
      await dlq.disconnect();
    }
  });
});

// A pipeline event the worker cannot handle (a retry of an enrollment the read model does not know) goes to
// the dead-letter topic after WORKER_EVENT_MAX_ATTEMPTS, and the enrollment behind it on its partition runs.
import { waitFor } from '@verified-onboard/devstack';
import { createEvent, DLQ_HEADERS, EVENT_TYPES, topicNames } from '@verified-onboard/events';
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
    // Same key, so the same partition, ahead of the enrollment's own `requested`: a retry the read model
    // cannot place (MissingContextError on every attempt).
    const poison = createEvent({
      type: EVENT_TYPES.retried,
      subject: e.subject,
      sequence: 90,
      data: { step: 'account', reason: 'test', requestedBy: 'test' },
      source: TEST_SOURCE,
      correlationId: e.subject,
      discriminator: 90,
    });
    await h.publishEnrollment(poison);
    await h.publishEnrollment(e);
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

// One poison event among good ones, on a real broker: the good ones are handled, the poison one waits in the
// dead-letter topic, ops lists it and redrives it to its source topic, where it is handled once it can be.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { EVENT_TYPES } from '@verified-onboard/events';
import { EventConsumer, EventProducer } from '@verified-onboard/adapters';
import { requestedEvent } from '@verified-onboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterPageSchema, redriveResultSchema } from '../src/ops/dead-letter-ops.js';
import { bodyOf, messageCount, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let consumer: EventConsumer;
const handled: string[] = [];
let healed = false;
const poison = randomUUID();

const requested = (id: string) => requestedEvent(id, { displayName: 'Dead Letter' });

beforeAll(async () => {
  t = await startTestApp('dead-letters');
  consumer = new EventConsumer(t.kafka, {
    groupId: `${t.names.groupPrefix}poison`,
    topics: [t.topics.enrollmentEvents],
    deadLetterTopic: t.topics.deadLetter,
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
    retry: { initialMs: 20, maxMs: 100 },
    maxHandlerAttempts: 2,
    handler: ({ event }) => {
      if (event.subject === poison && !healed)
        return Promise.reject(Object.assign(new Error('no context'), { code: 'missing_context' }));
      handled.push(event.subject);
      return Promise.resolve();
    },
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await t?.close();
});

describe('dead letters', () => {
  it('a poison event is set aside, the good ones after it are handled, and ops lists and redrives it', async () => {
    const good = [randomUUID(), randomUUID()];
    const producer = new EventProducer(t.kafka);
    await producer.connect();
    // One key: one partition, the poison event first.
    await producer.publish(t.topics.enrollmentEvents, [requested(poison), ...good.map(requested)]);
    await producer.disconnect();
    await waitFor('the good events', () => good.every((id) => handled.includes(id)));
    expect(handled).not.toContain(poison);

    const page = bodyOf(
      await waitFor('the dead letter listed', async () => {
        const res = await t.get('/v1/ops/dead-letters?limit=10');
        return bodyOf(res, deadLetterPageSchema).items.length === 1 && res;
      }),
      deadLetterPageSchema,
    );
    const [letter] = page.items;
    expect(letter).toMatchObject({
      key: poison,
      reason: 'handler_failed',
      error: 'missing_context',
      attempts: 2,
      sourceTopic: t.topics.enrollmentEvents,
      type: EVENT_TYPES.requested,
      eventId: requested(poison).id,
    });
    expect(page.nextOffset).toBeNull();
    expect((await t.get('/v1/ops/dead-letters?limit=1000')).statusCode).toBe(400);

    healed = true;
    const audited = await messageCount(t.kafka, t.topics.opsAudit);
    const res = await t.post('/v1/ops/dead-letters/redrive', { offsets: [letter?.offset, '999'] });
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res, redriveResultSchema)).toEqual({ redriven: [letter?.offset], missing: ['999'] });
    expect(await messageCount(t.kafka, t.topics.opsAudit)).toBe(audited + 1);
    await waitFor('the redriven event handled', () => handled.includes(poison));
  });
});

import {
  createEvent,
  EVENT_TYPES,
  fold,
  topicNames,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type EnrollmentMode,
  type EnrollmentState,
  type EventData,
} from '@verified-onboard/events';
import { createKafka } from '@verified-onboard/adapters';
import pino from 'pino';
import { requestedData } from '@verified-onboard/testkit';
import { describe, expect, it } from 'vitest';
import { PipelineConsumer } from '../src/consumers/pipeline-consumer.js';
import type { Step, StepJobData } from '../src/pipeline/job-data.js';
import { createMetrics } from '../src/metrics.js';
import type { StepsQueue } from '../src/queues/steps-queue.js';

// An ops retry re-runs the step the domain core resumes the failed enrollment at, under the retry's generation:
// the consumer reads the enrollment and asks the core, it does not take the step the event names on trust.

const ID = 'enr-retry';

/** An enrollment's stream, event by event, as the worker and the api record it. */
class History {
  readonly events: EnrollmentEvent[] = [];
  add<T extends EnrollmentEventType>(type: T, data: EventData<T>): EnrollmentEvent {
    const event = createEvent<EnrollmentEventType>({
      type,
      data,
      subject: ID,
      sequence: this.events.length + 1,
      source: '/test',
      correlationId: 'corr',
      causationId: this.events.at(-1)?.id ?? null,
      discriminator: this.events.length + 1,
    });
    this.events.push(event);
    return event;
  }
}

function requested(mode: EnrollmentMode): History {
  const h = new History();
  h.add(EVENT_TYPES.requested, requestedData(ID, { mode, requestedAt: '2030-01-01T00:00:00.000Z' }));
  return h;
}

/** A capture whose capture was accepted and then failed at `step`, retried (the retry naming `named`). */
function failedAfterCapture(step: Step, named: Step = step) {
  const h = requested('capture');
  h.add(EVENT_TYPES.captureStarted, {
    operationId: 'op-1',
    transport: 'inline',
    operationExpiresAt: '2030-01-01T01:00:00.000Z',
  });
  h.add(EVENT_TYPES.captureCompleted, { operationId: 'op-1', upstreamStatus: 1, message: null });
  h.add(EVENT_TYPES.failed, {
    step,
    code: 'upstream_unavailable',
    message: 'gave up',
    retryable: true,
    attempts: 5,
  });
  const failed = fold(h.events);
  const retried = h.add(EVENT_TYPES.retried, { step: named, reason: 'ops', requestedBy: 'ops' });
  return { failed, retried, all: fold(h.events) };
}

async function deliver(retried: EnrollmentEvent, readModel: EnrollmentState | null) {
  const enqueued: { step: Step; data: StepJobData }[] = [];
  const consumer = new PipelineConsumer({
    kafka: createKafka({ clientId: 'unit', brokers: ['127.0.0.1:1'] }),
    groupId: 'unit',
    topics: topicNames('unit-'),
    queue: {
      enqueue: (step: Step, data: StepJobData) => Promise.resolve(String(enqueued.push({ step, data }))),
      enqueueMany: () => Promise.resolve(),
    } as unknown as StepsQueue,
    hints: {} as never,
    reader: { get: () => Promise.resolve(readModel) },
    metrics: createMetrics(() => Promise.resolve({})),
    logger: pino({ level: 'silent' }),
  });
  const error = await consumer
    .handleBatch([{ event: retried, topic: 'unit-enrollment', partition: 0, offset: '0' }])
    .then(
      () => null,
      (e: unknown) => e,
    );
  return { enqueued, error };
}

describe('pipeline consumer: an ops retry', () => {
  it('re-runs the failed step at the position after the retry, under its generation', async () => {
    const { failed, retried } = failedAfterCapture('account');
    const { enqueued, error } = await deliver(retried, failed);
    expect(error).toBeNull();
    expect(enqueued).toMatchObject([
      {
        step: 'account',
        data: { generation: 5, nextSequence: 6, admission: 'continuing', causationId: retried.id },
      },
    ]);
  });

  it('resumes where the core says the enrollment stands, whatever step the event names', async () => {
    // Failed after an accepted capture: the account comes next, not a second capture.
    const { failed, retried } = failedAfterCapture('account', 'begin');
    const { enqueued } = await deliver(retried, failed);
    expect(enqueued.map((j) => j.step)).toEqual(['account']);
  });

  it('is the same when the projector folded the retry first', async () => {
    const { all, retried } = failedAfterCapture('account');
    const { enqueued } = await deliver(retried, all);
    expect(enqueued).toMatchObject([{ step: 'account', data: { generation: 5, nextSequence: 6 } }]);
  });

  it('waits for the read model to show the failure, and does nothing once the retry went on', async () => {
    const { failed, retried } = failedAfterCapture('account');
    const behind = await deliver(retried, { ...failed, version: failed.version - 1 });
    expect(behind.error).toMatchObject({ code: 'missing_context' });
    expect(behind.enqueued).toEqual([]);
    const ahead = await deliver(retried, { ...failed, version: retried.sequence + 1 });
    expect(ahead).toEqual({ enqueued: [], error: null });
  });

  it('is refused for an enrollment that had not failed', async () => {
    const h = requested('capture');
    const running = fold(h.events);
    const retried = h.add(EVENT_TYPES.retried, { step: 'begin', reason: 'ops', requestedBy: 'ops' });
    const { enqueued, error } = await deliver(retried, running);
    expect(error).toMatchObject({ name: 'InvalidTransitionError' });
    expect(enqueued).toEqual([]);
  });
});

import assert from 'node:assert/strict';
import { createEvent, EVENT_TYPES, type EnrollmentEvent } from '@verified-onboard/events';
import { ReadModel, type EventProducer } from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';

/** Where an OpsStream publishes: the enrollment topic and, as the projector would, the read model. */
export interface StreamSink {
  producer: EventProducer;
  topic: string;
  redis: Redis;
  /** Base prefix of the read model; the stream writes to the keyspace readers use now. */
  readModelBase: string;
}

/** Builds an enrollment's stream step by step, publishing each event to the log like the pipeline would. */
export class OpsStream {
  readonly events: EnrollmentEvent[] = [];
  /** `at`: when every event of the stream happened (default: when it is built). */
  constructor(
    private readonly sink: StreamSink,
    readonly id: string,
    readonly batchId: string,
    private readonly at?: Date,
  ) {}
  get last(): EnrollmentEvent {
    const event = this.events.at(-1);
    assert.ok(event, `${this.id} has no events yet`);
    return event;
  }
  private add(type: EnrollmentEvent['type'], data: object) {
    const sequence = this.events.length + 1;
    const event = createEvent<EnrollmentEvent['type']>({
      type,
      subject: this.id,
      sequence,
      source: 'test',
      correlationId: `c-${this.id}`,
      causationId: this.events.at(-1)?.id ?? null,
      data: data as never,
      discriminator: sequence,
      ...(this.at ? { time: this.at } : {}),
    });
    this.events.push(event);
    return this;
  }
  requested(mode: 'capture' | 'import' = 'capture') {
    return this.add(EVENT_TYPES.requested, {
      enrollmentId: this.id,
      accountNumber: `acct-${this.id}`,
      accountNumberGenerated: false,
      displayName: 'Ops Test',
      transport: 'inline',
      checkLiveness: true,
      timeoutSec: 3600,
      mode,
      priority: 'batch',
      batchId: this.batchId,
      line: 1,
      requestedAt: (this.at ?? new Date()).toISOString(),
      ...(mode === 'import' ? { selfie: { ref: 'r', digest: 'a'.repeat(64), dataType: 1 } } : {}),
    });
  }
  started() {
    return this.add(EVENT_TYPES.captureStarted, {
      operationId: `op-${this.id}`,
      transport: 'inline',
      operationExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
  }
  captured() {
    return this.add(EVENT_TYPES.captureCompleted, {
      operationId: `op-${this.id}`,
      upstreamStatus: 1,
      message: null,
    });
  }
  account() {
    return this.add(EVENT_TYPES.accountCreated, { accountNumber: `acct-${this.id}`, alreadyExisted: false });
  }
  credential() {
    return this.add(EVENT_TYPES.credentialAttached, {
      accountNumber: `acct-${this.id}`,
      kind: 'proofed',
      replacedPrevious: false,
    });
  }
  completed() {
    return this.add(EVENT_TYPES.completed, {});
  }
  /** Requested, then the capture started and succeeded. */
  untilCaptured() {
    return this.requested().started().captured();
  }
  /** The whole happy path to completed. */
  finished() {
    return this.untilCaptured().account().credential().completed();
  }
  failed(step: 'account' | 'credential', code = 'upstream_unavailable') {
    return this.add(EVENT_TYPES.failed, { step, code, message: 'gave up', retryable: true, attempts: 8 });
  }
  retried(step: 'account' | 'credential') {
    return this.add(EVENT_TYPES.retried, { step, reason: 'earlier retry', requestedBy: 'test' });
  }
  /**
   * Writes the stream to the log and, unless told otherwise, to the read model the api reads now (a rebuild
   * switches it), as the projector would.
   */
  async publish(toReadModel = true) {
    await this.sink.producer.publish(this.sink.topic, this.events);
    if (toReadModel) {
      const readModel = await ReadModel.open(this.sink.redis, this.sink.readModelBase);
      for (const e of this.events) await readModel.applyEvent(e);
    }
    return this;
  }
}

import assert from 'node:assert/strict';
import {
  createEvent,
  EVENT_TYPES,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type EnrollmentMode,
  type EnrollmentStatus,
  type EventData,
  type RequestedData,
} from '../../src/index.js';

export const SOURCE = '/verified-onboard/test';
const DIGEST = 'a'.repeat(64);

export function requestedData(
  enrollmentId: string,
  mode: EnrollmentMode = 'capture',
  extra: Partial<RequestedData> = {},
): RequestedData {
  return {
    enrollmentId,
    accountNumber: `acct-${enrollmentId}`,
    accountNumberGenerated: false,
    displayName: 'Ada Lovelace',
    transport: 'inline',
    checkLiveness: true,
    timeoutSec: 600,
    mode,
    priority: 'interactive',
    requestedAt: '2025-01-01T00:00:00.000Z',
    ...(mode === 'import' ? { selfie: { ref: `ref-${enrollmentId}`, digest: DIGEST, dataType: 1 } } : {}),
    ...extra,
  };
}

/** Appends events to one enrollment's stream with consecutive sequences and distinct deterministic ids. */
export class Stream {
  readonly events: EnrollmentEvent[] = [];
  constructor(readonly id: string) {}

  /** The event at `index` (0-based); fails the test if the stream is shorter. */
  event(index: number): EnrollmentEvent {
    return at(this.events, index);
  }

  add<T extends EnrollmentEventType>(
    type: T,
    data: EventData<T>,
    discriminator?: string | number,
  ): EnrollmentEvent {
    const sequence = this.events.length + 1;
    const event = createEvent({
      type,
      subject: this.id,
      sequence,
      data,
      source: SOURCE,
      correlationId: `corr-${this.id}`,
      causationId: this.events.at(-1)?.id ?? null,
      discriminator: discriminator ?? sequence,
      time: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)),
    }) as EnrollmentEvent;
    this.events.push(event);
    return event;
  }

  requested(mode: EnrollmentMode = 'capture', extra: Partial<RequestedData> = {}) {
    return this.add(EVENT_TYPES.requested, requestedData(this.id, mode, extra));
  }
  captureStarted(operationId = `op-${this.id}`) {
    return this.add(EVENT_TYPES.captureStarted, {
      operationId,
      transport: 'inline',
      operationExpiresAt: '2025-01-01T01:00:00.000Z',
    });
  }
  captureCompleted(upstreamStatus: 1 | 2 | 3 | 4 | 5 = 1, operationId = `op-${this.id}`) {
    return this.add(EVENT_TYPES.captureCompleted, { operationId, upstreamStatus, message: null });
  }
  accountCreated() {
    return this.add(EVENT_TYPES.accountCreated, { accountNumber: `acct-${this.id}`, alreadyExisted: false });
  }
  credentialAttached(kind: 'proofed' | 'biometric' = 'proofed') {
    return this.add(EVENT_TYPES.credentialAttached, {
      accountNumber: `acct-${this.id}`,
      kind,
      replacedPrevious: false,
    });
  }
  completed() {
    return this.add(EVENT_TYPES.completed, {});
  }
  failed(
    step: 'begin' | 'poll' | 'account' | 'credential' = 'account',
    code = 'upstream_unavailable',
    retryable = true,
  ) {
    return this.add(EVENT_TYPES.failed, { step, code, message: 'gave up', retryable, attempts: 5 });
  }
  retried(step: 'begin' | 'poll' | 'account' | 'credential' = 'account') {
    return this.add(EVENT_TYPES.retried, { step, reason: 'ops', requestedBy: 'ops@example.com' });
  }
}

/** The happy path of each mode, as the spec describes it. */
export function happyPath(id: string, mode: EnrollmentMode): Stream {
  const s = new Stream(id);
  s.requested(mode);
  if (mode !== 'import') {
    s.captureStarted();
    s.captureCompleted(1);
  }
  if (mode !== 'recapture') s.accountCreated();
  s.credentialAttached(mode === 'import' ? 'biometric' : 'proofed');
  s.completed();
  return s;
}

export const TERMINAL: readonly EnrollmentStatus[] = [
  'completed',
  'rejected',
  'expired',
  'errored',
  'canceled',
];

/** `items[index]` (negative: from the end) for a test that knows it is there; fails the test if it is not. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items.at(index);
  assert.ok(item !== undefined, `no item at ${index} of ${items.length}`);
  return item;
}

/** A value the test knows exists; fails the test if it does not. */
export function defined<T>(value: T | null | undefined, what = 'the value'): T {
  assert.ok(value !== null && value !== undefined, `${what} is missing`);
  return value;
}

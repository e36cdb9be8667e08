// The ops operations through the api, on real Kafka and Redis: what they publish is what the worker acts on
// (retried → the failed step again; redrive_requested → the next step under the job id the log implies).
import {
  createEvent,
  EVENT_TYPES,
  EventProducer,
  fold,
  ReadModel,
  type EnrollmentEvent,
  type EventEnvelope,
} from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, collectEvents, startTestApp, waitFor, type TestApp } from './support/harness.js';

let t: TestApp;
let collected: Awaited<ReturnType<typeof collectEvents>>;
let producer: EventProducer;

beforeAll(async () => {
  t = await startTestApp('ops-service');
  producer = new EventProducer(t.kafka);
  await producer.connect();
  collected = await collectEvents(
    t.kafka,
    [t.topics.enrollmentEvents, t.topics.hints],
    `${t.names.groupPrefix}collector`,
  );
});
afterAll(async () => {
  await producer?.disconnect();
  await collected?.stop();
  await t?.close();
});

/** Builds an enrollment's stream step by step, publishing each event to the log like the pipeline would. */
class Stream {
  readonly events: EnrollmentEvent[] = [];
  constructor(
    readonly id: string,
    readonly batchId: string,
  ) {}
  private add(type: EnrollmentEvent['type'], data: object) {
    const sequence = this.events.length + 1;
    const event = createEvent({
      type,
      subject: this.id,
      sequence,
      source: 'test',
      correlationId: `c-${this.id}`,
      causationId: this.events.at(-1)?.id ?? null,
      data: data as never,
      discriminator: sequence,
    }) as EnrollmentEvent;
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
      requestedAt: new Date().toISOString(),
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
  failed(step: 'account' | 'credential', code = 'upstream_unavailable') {
    return this.add(EVENT_TYPES.failed, { step, code, message: 'gave up', retryable: true, attempts: 8 });
  }
  retried(step: 'account' | 'credential') {
    return this.add(EVENT_TYPES.retried, { step, reason: 'earlier retry', requestedBy: 'test' });
  }
  /** Writes the stream to the log (and, unless told otherwise, to the read model, as the projector would). */
  async publish(toReadModel = true) {
    await producer.publish(t.topics.enrollmentEvents, this.events);
    if (toReadModel) for (const e of this.events) await t.readModel.applyEvent(e);
    return this;
  }
}

const ofType = <T extends string>(type: T, subject: string) =>
  collected.events.filter(
    (e): e is EventEnvelope & { topic: string; key: string | null } =>
      e.type === type && e.subject === subject,
  );

describe('POST /v1/ops/failed/retry', () => {
  it('by filter, publishes one retried event per failed enrollment, at the failed step and the next position', async () => {
    const a = await new Stream('ops-r1', 'rb').requested().started().captured().failed('account').publish();
    const b = await new Stream('ops-r2', 'rb')
      .requested()
      .started()
      .captured()
      .account()
      .failed('credential', 'tempid_expired')
      .publish();
    const done = await new Stream('ops-r3', 'rb')
      .requested()
      .started()
      .captured()
      .account()
      .credential()
      .completed()
      .publish();

    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/failed/retry',
      headers: AUTH,
      payload: { filter: { batchId: 'rb', step: 'account' } },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ retried: 1 });
    const [retried] = await waitFor(
      () => (ofType(EVENT_TYPES.retried, a.id).length ? ofType(EVENT_TYPES.retried, a.id) : null),
      'the retried event',
    );
    expect(retried).toMatchObject({
      sequence: 5,
      causationid: a.events[3]!.id,
      correlationid: `c-${a.id}`,
      data: { step: 'account', reason: 'ops retry', requestedBy: 'all' },
    });
    expect(ofType(EVENT_TYPES.retried, b.id)).toEqual([]);
    expect(ofType(EVENT_TYPES.retried, done.id)).toEqual([]);
  });

  it('by ids, skips what is not failed; retrying twice at once publishes the same event id', async () => {
    const c = await new Stream('ops-r4', 'rc').requested().started().captured().failed('account').publish();
    const body = { ids: [c.id, 'ops-r3', 'no-such-enrollment'] };
    const [first, second] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/v1/ops/failed/retry', headers: AUTH, payload: body }),
      t.app.inject({ method: 'POST', url: '/v1/ops/failed/retry', headers: AUTH, payload: body }),
    ]);
    expect([first.json(), second.json()]).toEqual([{ retried: 1 }, { retried: 1 }]);
    const events = await waitFor(
      () => (ofType(EVENT_TYPES.retried, c.id).length >= 2 ? ofType(EVENT_TYPES.retried, c.id) : null),
      'both publishes',
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
  });
});

describe('POST /v1/ops/replay', () => {
  it('a dry run reports from the event log what it would do, and publishes nothing', async () => {
    await new Stream('ops-p1', 'rp').requested().started().captured().failed('account').publish(false);
    await new Stream('ops-p2', 'rp').requested().started().publish(false);
    await new Stream('ops-p3', 'rp')
      .requested()
      .started()
      .captured()
      .account()
      .credential()
      .completed()
      .publish(false);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/replay',
      headers: AUTH,
      payload: { batchId: 'rp' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      dryRun: true,
      enrollments: 3,
      events: 4 + 2 + 6,
      retried: 1,
      redriven: 1,
      terminal: 1,
    });
    expect(ofType(EVENT_TYPES.retried, 'ops-p1')).toEqual([]);
    expect(ofType(EVENT_TYPES.redriveRequested, 'ops-p2')).toEqual([]);
  });

  it('re-drives from the log even when the read model lost the enrollment: failed → retried, stuck → its next step', async () => {
    const stuck = await new Stream('ops-p4', 'rq')
      .requested()
      .started()
      .captured()
      .failed('account')
      .retried('account')
      .account()
      .publish(false);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/replay',
      headers: AUTH,
      payload: { ids: ['ops-p1', stuck.id], dryRun: false },
    });
    expect(res.json()).toMatchObject({ dryRun: false, enrollments: 2, retried: 1, redriven: 1, terminal: 0 });
    const [redrive] = await waitFor(
      () =>
        ofType(EVENT_TYPES.redriveRequested, stuck.id).length
          ? ofType(EVENT_TYPES.redriveRequested, stuck.id)
          : null,
      'the redrive hint',
    );
    expect(redrive!.topic).toBe(t.topics.hints);
    expect(redrive!.key).toBe(stuck.id);
    // The credential step comes next, under the generation of the last retry (its sequence) and after event 6.
    expect(redrive!.data).toMatchObject({
      enrollmentId: stuck.id,
      step: 'credential',
      generation: 5,
      nextSequence: 7,
      requestedBy: 'all',
    });
    expect(
      await waitFor(() => ofType(EVENT_TYPES.retried, 'ops-p1')[0], 'the retry of the failed one'),
    ).toMatchObject({ sequence: 5 });
  });

  it('selects by time: enrollments requested before `since` are left out', async () => {
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await new Stream('ops-p5', 'rt').requested().publish(false);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ops/replay',
      headers: AUTH,
      payload: { since },
    });
    expect(res.json()).toMatchObject({ enrollments: 1, redriven: 1 });
  });
});

describe('POST /v1/ops/projections/rebuild', () => {
  it('rebuilds from the log into a new keyspace, switches readers, and refuses a second rebuild meanwhile', async () => {
    const s = await new Stream('20000000-0000-4000-8000-0000000000b1', 'rr')
      .requested()
      .started()
      .captured()
      .account()
      .publish();
    await t.readModel.applyEvent(s.events[0]!); // a duplicate: the rebuilt model must still equal the fold
    const start = await t.app.inject({ method: 'POST', url: '/v1/ops/projections/rebuild', headers: AUTH });
    expect(start.statusCode).toBe(202);
    expect(start.json()).toMatchObject({ started: true, state: 'running' });
    const again = await t.app.inject({ method: 'POST', url: '/v1/ops/projections/rebuild', headers: AUTH });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('rebuild_in_progress');

    const status = await waitFor(
      async () => {
        const r = (
          await t.app.inject({ method: 'GET', url: '/v1/ops/projections/rebuild', headers: AUTH })
        ).json();
        return r.state === 'running' ? null : r;
      },
      'the rebuild to finish',
      60_000,
    );
    expect(status).toMatchObject({ state: 'completed', rebuildId: start.json().rebuildId, error: null });
    const active = await ReadModel.open(t.redis, `${t.config.keyPrefix}:`);
    expect(active.prefix).not.toBe(`${t.config.keyPrefix}:`);
    expect(await active.get(s.id)).toEqual(fold(s.events));
    const view = await waitFor(async () => {
      const r = await t.app.inject({ method: 'GET', url: `/v1/enrollments/${s.id}`, headers: AUTH });
      return r.statusCode === 200 ? r.json() : null;
    }, 'the api to read the new keyspace');
    expect(view).toMatchObject({ id: s.id, status: 'account_created', version: 4 });
  });
});

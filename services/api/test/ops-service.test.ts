// The ops operations through the api, on real Kafka and Redis: what they publish is what the worker acts on
// (retried → the failed step again; redrive_requested → the next step under the job id the log implies).
import assert from 'node:assert/strict';
import { waitFor } from '@verified-onboard/devstack';
import { EVENT_TYPES, fold } from '@verified-onboard/events';
import { EventProducer, ReadModel } from '@verified-onboard/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentViewSchema } from '../src/enrollments/schemas.js';
import { rebuildResultSchema, replayStatusSchema, retryResultSchema } from '../src/ops/ops-service.js';
import { replayLockKey } from '../src/ops/pipeline-ops-service.js';
import type { Collector } from './support/collector.js';
import { OpsStream } from './support/ops-stream.js';
import { bodyOf, errorOf, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let collected: Collector;
let producer: EventProducer;

beforeAll(async () => {
  t = await startTestApp('ops-service');
  producer = new EventProducer(t.kafka);
  await producer.connect();
  collected = await t.collect(t.topics.enrollmentEvents, t.topics.hints);
});
afterAll(async () => {
  await producer?.disconnect();
  await t?.close();
});

/** A stream of the enrollment `id` in batch `batchId` that publishes where this file's api reads. */
const stream = (id: string, batchId: string, at?: Date) =>
  new OpsStream(
    { producer, topic: t.topics.enrollmentEvents, redis: t.redis, readModelBase: `${t.config.keyPrefix}:` },
    id,
    batchId,
    at,
  );

const ofType = (type: typeof EVENT_TYPES.retried | typeof EVENT_TYPES.redriveRequested, subject: string) =>
  collected.ofType(type, subject);
const retry = async (payload: object) => {
  const res = await t.post('/v1/ops/failed/retry', payload);
  return { status: res.statusCode, body: bodyOf(res, retryResultSchema) };
};
/** Starts a replay (202 with its id) and follows it at GET /v1/ops/replays/:id until it finished. */
const replay = async (payload: object, app: TestApp = t) => {
  const started = await app.post('/v1/ops/replay', payload);
  expect(started.statusCode).toBe(202);
  const { id } = bodyOf(started, replayStatusSchema);
  return waitFor(`replay ${id}`, async () => {
    const status = bodyOf(await app.get(`/v1/ops/replays/${id}`), replayStatusSchema);
    return status.state !== 'running' && status;
  });
};

describe('POST /v1/ops/failed/retry', () => {
  it('by filter, publishes one retried event per failed enrollment, at the failed step and the next position', async () => {
    const a = await stream('ops-r1', 'rb').untilCaptured().failed('account').publish();
    const b = await stream('ops-r2', 'rb')
      .untilCaptured()
      .account()
      .failed('credential', 'tempid_expired')
      .publish();
    const done = await stream('ops-r3', 'rb').finished().publish();

    expect(await retry({ filter: { batchId: 'rb', step: 'account' } })).toEqual({
      status: 202,
      body: { retried: 1 },
    });
    const retried = await collected.first(EVENT_TYPES.retried, a.id);
    expect(retried).toMatchObject({
      sequence: 5,
      causationid: a.last.id,
      correlationid: `c-${a.id}`,
      data: { step: 'account', reason: 'ops retry', requestedBy: 'all' },
    });
    expect(ofType(EVENT_TYPES.retried, b.id)).toEqual([]);
    expect(ofType(EVENT_TYPES.retried, done.id)).toEqual([]);
  });

  it('by ids, skips what is not failed; retrying twice at once publishes the same event id', async () => {
    const c = await stream('ops-r4', 'rc').untilCaptured().failed('account').publish();
    const done = await stream('ops-r5', 'rc').finished().publish();
    const body = { ids: [c.id, done.id, 'no-such-enrollment'] };
    const [first, second] = await Promise.all([retry(body), retry(body)]);
    expect([first.body, second.body]).toEqual([{ retried: 1 }, { retried: 1 }]);
    const events = await collected.atLeast(2, EVENT_TYPES.retried, (e) => e.subject === c.id);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
  });
});

describe('POST /v1/ops/replay', () => {
  it('needs a bound, and runs one at a time', async () => {
    for (const unbounded of [{}, { dryRun: false }, { until: new Date().toISOString() }]) {
      const res = await t.post('/v1/ops/replay', unbounded);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).details.map((d) => d.field)).toEqual(['since']);
    }
    // Another api instance holds the replay lock.
    const lock = replayLockKey(`${t.config.keyPrefix}:`);
    await t.redis.set(lock, 'other-replay', 'PX', 60_000);
    try {
      const busy = await t.post('/v1/ops/replay', { batchId: 'none' });
      expect(busy.statusCode).toBe(409);
      expect(errorOf(busy).code).toBe('replay_in_progress');
    } finally {
      await t.redis.del(lock);
    }
    expect(await replay({ batchId: 'none' })).toMatchObject({ state: 'completed', enrollments: 0 });
    expect(await t.redis.exists(lock)).toBe(0);
  });

  it('selects at most OPS_REPLAY_LIMIT enrollments and says it stopped there', async () => {
    await stream('ops-l1', 'rl').requested().publish(false);
    await stream('ops-l2', 'rl').requested().publish(false);
    const limited = await startTestApp('ops-service-limit', {
      names: t.names,
      env: { OPS_REPLAY_LIMIT: '1' },
    });
    try {
      expect(await replay({ batchId: 'rl' }, limited)).toMatchObject({
        state: 'completed',
        limit: 1,
        enrollments: 1,
        truncated: true,
      });
    } finally {
      await limited.close();
    }
  });

  it('a dry run reports from the event log what it would do, and publishes nothing', async () => {
    await stream('ops-p1', 'rp').untilCaptured().failed('account').publish(false);
    await stream('ops-p2', 'rp').requested().started().publish(false);
    await stream('ops-p3', 'rp').finished().publish(false);
    expect(await replay({ batchId: 'rp' })).toMatchObject({
      state: 'completed',
      dryRun: true,
      enrollments: 3,
      events: 4 + 2 + 6,
      retried: 1,
      redriven: 1,
      terminal: 1,
      truncated: false,
      error: null,
    });
    expect(ofType(EVENT_TYPES.retried, 'ops-p1')).toEqual([]);
    expect(ofType(EVENT_TYPES.redriveRequested, 'ops-p2')).toEqual([]);
  });

  it('re-drives from the log even when the read model lost the enrollment: failed → retried, stuck → its next step', async () => {
    const failed = await stream('ops-p6', 'rq').untilCaptured().failed('account').publish(false);
    const stuck = await stream('ops-p4', 'rq')
      .untilCaptured()
      .failed('account')
      .retried('account')
      .account()
      .publish(false);
    expect(await replay({ ids: [failed.id, stuck.id], dryRun: false })).toMatchObject({
      dryRun: false,
      enrollments: 2,
      retried: 1,
      redriven: 1,
      terminal: 0,
    });
    const redrive = await collected.first(EVENT_TYPES.redriveRequested, stuck.id);
    expect(redrive.topic).toBe(t.topics.hints);
    expect(redrive.key).toBe(stuck.id);
    // The credential step comes next, under the generation of the last retry (its sequence) and after event 6.
    expect(redrive.data).toMatchObject({
      enrollmentId: stuck.id,
      step: 'credential',
      generation: 5,
      nextSequence: 7,
      requestedBy: 'all',
    });
    expect(await collected.first(EVENT_TYPES.retried, failed.id)).toMatchObject({ sequence: 5 });
  });

  it('selects by time: enrollments requested before `since` are left out', async () => {
    const since = new Date();
    // Both are written now; only their event time tells them apart.
    await stream('ops-p5', 'rt', new Date(since.getTime() - 60_000))
      .requested()
      .publish(false);
    await stream('ops-p7', 'rt', since).requested().publish(false);
    expect(await replay({ since: since.toISOString(), batchId: 'rt' })).toMatchObject({
      enrollments: 1,
      redriven: 1,
    });
  });
});

describe('POST /v1/ops/projections/rebuild', () => {
  it('rebuilds from the log into a new keyspace, switches readers, and refuses a second rebuild meanwhile', async () => {
    const s = await stream('20000000-0000-4000-8000-0000000000b1', 'rr').untilCaptured().account().publish();
    const [requested] = s.events;
    assert.ok(requested);
    const basePrefix = `${t.config.keyPrefix}:`;
    // A duplicate: the rebuilt model must still equal the fold.
    await (await ReadModel.open(t.redis, basePrefix)).applyEvent(requested);
    const start = await t.post('/v1/ops/projections/rebuild');
    expect(start.statusCode).toBe(202);
    const started = bodyOf(start, rebuildResultSchema);
    expect(started).toMatchObject({ started: true, state: 'running' });
    const again = await t.post('/v1/ops/projections/rebuild');
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).code).toBe('rebuild_in_progress');

    const status = await waitFor(
      'the rebuild to finish',
      async () => {
        const r = bodyOf(await t.get('/v1/ops/projections/rebuild'), rebuildResultSchema);
        return r.state !== 'running' && r;
      },
      { timeoutMs: 60_000 },
    );
    expect(status).toMatchObject({ state: 'completed', rebuildId: started.rebuildId, error: null });
    const active = await ReadModel.open(t.redis, basePrefix);
    expect(active.prefix).not.toBe(basePrefix);
    expect(await active.get(s.id)).toEqual(fold(s.events));
    const view = await waitFor('the api to read the new keyspace', async () => {
      const r = await t.get(`/v1/enrollments/${s.id}`);
      return r.statusCode === 200 && bodyOf(r, enrollmentViewSchema);
    });
    expect(view).toMatchObject({ id: s.id, status: 'account_created', version: 4 });
  });
});

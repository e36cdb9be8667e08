// The old-event horizon: done markers, operation records and intents expire after OWNERSHIP_TTL_SEC, but the
// event log is kept and the pipeline group reads it from the beginning. A group whose offsets Kafka expired
// (or a renamed WORKER_PIPELINE_GROUP) re-reads every old `requested` and `retried`: none may run again.
import { keysMatching, waitFor } from '@verified-onboard/devstack';
import { EVENT_TYPES } from '@verified-onboard/events';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../src/worker-app.js';
import { opsRetry, upstreamCalls, useHarness } from './support/harness.js';

describe('the old-event horizon', () => {
  const h = useHarness('worker-old-event-horizon');

  beforeAll(async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
  });

  /** What the pipeline consumer counted for events of `type`, by result (from /metrics). */
  async function consumed(
    worker: RunningWorker,
    type: string = EVENT_TYPES.requested,
  ): Promise<Record<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    const counts: Record<string, number> = {};
    const line = new RegExp(
      `^worker_events_consumed_total\\{consumer="pipeline",type="${type}",result="(\\w+)"\\} (\\d+)$`,
      'gm',
    );
    for (const [, result = '', n] of text.matchAll(line)) counts[result] = Number(n);
    return counts;
  }

  /** Waits until no step job is waiting, delayed or running. */
  const queueIdle = (worker: RunningWorker) =>
    waitFor('the steps queue to be idle', async () => {
      const c = await worker.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0) || null;
    });

  /** Everything with an expiry under the worker's prefix goes, as after OWNERSHIP_TTL_SEC; the read model stays. */
  async function expireOwnershipRecords(): Promise<string[]> {
    const expired: string[] = [];
    for (const key of await keysMatching(h.redis, `${h.names.queuePrefix}:*`))
      if ((await h.redis.pttl(key)) > 0) expired.push(key);
    // One key a DEL: on a Redis Cluster one DEL may not span slots.
    for (const key of expired) await h.redis.del(key);
    return expired;
  }

  it('a re-read `requested` of a completed enrollment begins nothing; a new one still begins once', async () => {
    const first = await h.startWorker();
    const old = await h.request();
    await h.publishEnrollment(old);
    await h.waitForStatus(old.subject, ['completed']);
    await queueIdle(first);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(1);
    // Completed jobs are kept an hour at most, the ownership records 30 days: both are long gone.
    await first.queue.queue.clean(0, 10_000, 'completed');
    await first.stop();
    const expired = await expireOwnershipRecords();
    expect(expired).toContain(h.keys.stepBook(old.subject));
    expect(expired).toContain(h.keys.accountIntent(old.data.accountNumber));
    const eventsBefore = await h.readModel.events(old.subject);

    // A resubmitted batch publishes its lines again under the same ids; then a renamed group (or one whose
    // offsets Kafka expired) reads the log from the beginning: the same `requested` twice.
    await h.publishEnrollment(old);
    const second = await h.startWorker({ WORKER_PIPELINE_GROUP: `${h.names.groupPrefix}pipeline-renamed` });
    await waitFor('the old `requested` to be read again', async () => {
      const counts = await consumed(second);
      return Object.values(counts).reduce((a, b) => a + b, 0) >= 2 ? counts : null;
    });
    await queueIdle(second);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(1);
    expect(await consumed(second)).toEqual({ already_ran: 2 });
    expect((await h.state(old.subject))?.status).toBe('completed');
    expect(await h.readModel.events(old.subject)).toEqual(eventsBefore);

    // A genuinely new enrollment (the consumer may see it before the projector does) begins exactly once.
    const fresh = await h.request();
    await h.publishEnrollment(fresh);
    await h.waitForStatus(fresh.subject, ['completed']);
    await queueIdle(second);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(2);
    expect(await consumed(second)).toEqual({ already_ran: 2, ok: 1 });
    await second.stop();
  });

  it('a re-read ops `retried` whose step went on repeats nothing upstream', async () => {
    const first = await h.startWorker({
      WORKER_PIPELINE_GROUP: `${h.names.groupPrefix}pipeline-retry`,
      WORKER_JOB_ATTEMPTS: '1',
    });
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, faults: { createAccount: { rate5xx: 1 } } });
    const e = await h.request();
    await h.publishEnrollment(e);
    const failed = await h.waitForStatus(e.subject, ['failed']);
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, faults: { createAccount: null } });
    const retried = opsRetry(e, failed, 'account', 'upstream recovered');
    await h.publishEnrollment(retried);
    await h.waitForStatus(e.subject, ['completed']);
    await queueIdle(first);
    const calls = {
      begin: await upstreamCalls(h, 'beginBiometry'),
      create: await upstreamCalls(h, 'createAccount'),
    };
    await first.queue.queue.clean(0, 10_000, 'completed');
    await first.queue.queue.clean(0, 10_000, 'failed');
    await first.stop();
    expect(await expireOwnershipRecords()).toContain(h.keys.accountIntent(e.data.accountNumber));
    const eventsBefore = await h.readModel.events(e.subject);

    const second = await h.startWorker({
      WORKER_PIPELINE_GROUP: `${h.names.groupPrefix}pipeline-retry-renamed`,
    });
    await waitFor('the old `retried` to be read again', async () => {
      const counts = await consumed(second, EVENT_TYPES.retried);
      return Object.values(counts).reduce((a, b) => a + b, 0) >= 1 ? counts : null;
    });
    await queueIdle(second);
    expect(await upstreamCalls(h, 'createAccount')).toBe(calls.create);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(calls.begin);
    expect(await consumed(second, EVENT_TYPES.retried)).toEqual({ already_ran: 1 });
    expect((await h.state(e.subject))?.status).toBe('completed');
    expect(await h.readModel.events(e.subject)).toEqual(eventsBefore);
  });
});

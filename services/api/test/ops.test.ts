import { isolatedNames } from '@verified-onboard/devstack';
import { EVENT_TYPES, topicNames } from '@verified-onboard/events';
import { Queue } from 'bullmq';
import { requestedEvent } from '@verified-onboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QUEUES } from '@verified-onboard/contracts';
import type { OpsService } from '../src/ops/ops-service.js';
import { failedPageSchema } from '../src/routes/ops.js';
import { nextEvent } from './support/events.js';
import {
  AUTH,
  basic,
  bearer,
  bodyOf,
  errorOf,
  KEYS,
  messageCount,
  startTestApp,
  type TestApp,
} from './support/harness.js';

/** Whether the app's steps queue is paused, read straight from BullMQ. */
async function stepsPaused(app: TestApp): Promise<boolean> {
  const queue = new Queue(QUEUES.steps, { connection: app.redis, prefix: app.config.queuePrefix });
  try {
    return await queue.isPaused();
  } finally {
    await queue.close();
  }
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('ops');
});
afterAll(async () => t?.close());

async function failedEnrollment(id: string, code: string, step: 'begin' | 'account', batchId?: string) {
  const requested = requestedEvent(id, {
    displayName: 'Failing',
    priority: batchId ? 'batch' : 'interactive',
    ...(batchId ? { batchId, line: 1 } : {}),
  });
  const failed = nextEvent(requested, EVENT_TYPES.failed, {
    step,
    code,
    message: 'failed in test',
    retryable: code !== 'account_conflict',
    attempts: 3,
  });
  await t.readModel.applyEvent(requested);
  await t.readModel.applyEvent(failed);
}

describe('ops', () => {
  it('GET /v1/ops/failed filters and pages the failed index', async () => {
    await failedEnrollment('10000000-0000-4000-8000-000000000001', 'upstream_unavailable', 'begin', 'b-1');
    await failedEnrollment('10000000-0000-4000-8000-000000000002', 'account_conflict', 'account');
    await failedEnrollment('10000000-0000-4000-8000-000000000003', 'upstream_unavailable', 'begin');
    const list = (query: string) => t.get(`/v1/ops/failed${query}`);
    const page = async (query: string) => bodyOf(await list(query), failedPageSchema);

    const all = await page('');
    expect(all.items.map((item) => item.enrollmentId).sort()).toHaveLength(3);
    const byCode = await page('?code=account_conflict&retryable=false');
    expect(byCode.items).toEqual([
      expect.objectContaining({
        enrollmentId: '10000000-0000-4000-8000-000000000002',
        step: 'account',
        retryable: false,
      }),
    ]);
    expect((await page('?batchId=b-1')).items).toHaveLength(1);
    expect((await page('?step=begin')).items).toHaveLength(2);

    const page1 = await page('?limit=2');
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await page(`?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();

    expect(
      errorOf(await list('?step=nope&limit=0'))
        .details.map((d) => d.field)
        .sort(),
    ).toEqual(['limit', 'step']);
    expect((await list('?cursor=garbage')).statusCode).toBe(400);
  });

  it('retry, replay and rebuild are validated and need the ops scope', async () => {
    expect((await t.post('/v1/ops/replay', { everything: true })).statusCode).toBe(400);
    const badFilter = await t.post('/v1/ops/failed/retry', { filter: { step: 'nap' } });
    expect(errorOf(badFilter).details.map((d) => d.field)).toEqual(['filter.step']);
    expect((await t.get('/v1/ops/projections/rebuild', bearer(KEYS.writer))).statusCode).toBe(403);
    expect((await t.post('/v1/ops/failed/retry', { ids: ['a'], filter: {} })).statusCode).toBe(400);
    expect((await t.post('/v1/ops/replay', {}, bearer(KEYS.writer))).statusCode).toBe(403);
  });

  it('delegates to an injected OpsService with the caller recorded, each action audited before it runs', async () => {
    const calls: unknown[] = [];
    // How many audit records the broker had acknowledged when each action started.
    const auditedBefore: number[] = [];
    const names = isolatedNames('ops-injected');
    const audited = async () => {
      auditedBefore.push(await messageCount(t.kafka, topicNames(names.topicPrefix).opsAudit));
    };
    const replayStatus = {
      id: 'r-1',
      state: 'running' as const,
      dryRun: true,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      enrollments: 1,
      events: 4,
      retried: 0,
      redriven: 1,
      terminal: 0,
      limit: 10_000,
      truncated: false,
      error: null,
    };
    const ops: OpsService = {
      retryFailed: async (selector) => {
        await audited();
        calls.push(selector);
        return { retried: selector.ids?.length ?? 0 };
      },
      startReplay: async (selector) => {
        await audited();
        calls.push(selector);
        return { ...replayStatus, dryRun: selector.dryRun };
      },
      replayStatus: (id) => Promise.resolve(id === replayStatus.id ? replayStatus : null),
      rebuildProjection: async (requestedBy) => {
        await audited();
        calls.push(requestedBy);
        return { started: true };
      },
      rebuildStatus: () => Promise.resolve(null),
    };
    const withOps = await startTestApp('ops-injected', { names, deps: { opsService: ops } });
    try {
      const audit = await withOps.collect(withOps.topics.opsAudit);
      const retry = await withOps.post('/v1/ops/failed/retry', { ids: ['e1', 'e2'] });
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toEqual({ retried: 2 });
      const replay = await withOps.post('/v1/ops/replay', { batchId: 'b' });
      expect(replay.statusCode).toBe(202);
      expect(replay.json()).toEqual(replayStatus);
      expect((await withOps.get(`/v1/ops/replays/${replayStatus.id}`)).json()).toEqual(replayStatus);
      expect((await withOps.get('/v1/ops/replays/nope')).statusCode).toBe(404);
      expect((await withOps.get('/v1/ops/projections/rebuild')).statusCode).toBe(404);
      expect((await withOps.post('/v1/ops/projections/rebuild')).statusCode).toBe(202);
      expect(calls).toEqual([
        { ids: ['e1', 'e2'], reason: 'ops retry', requestedBy: 'all' },
        { batchId: 'b', dryRun: true, requestedBy: 'all' },
        'all',
      ]);
      expect(auditedBefore).toEqual([1, 2, 3]);
      const records = await audit.atLeast(3, EVENT_TYPES.opsActionRecorded, () => true);
      expect(records.map((r) => r.data)).toEqual([
        expect.objectContaining({ action: 'retry', keyId: 'all', target: { ids: ['e1', 'e2'] } }),
        expect.objectContaining({
          action: 'replay',
          keyId: 'all',
          target: { filter: { batchId: 'b' }, dryRun: true },
        }),
        expect.objectContaining({ action: 'rebuild', keyId: 'all', target: {} }),
      ]);
    } finally {
      await withOps.close();
    }
  });

  it('the queue dashboard asks browsers for Basic credentials and needs the ops scope', async () => {
    const anonymous = await t.get('/ops/queues', {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await t.get('/ops/queues', basic(KEYS.writer))).statusCode).toBe(403);
    const page = await t.get('/ops/queues', basic(KEYS.all));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const queues = await t.get('/ops/queues/api/queues');
    expect(queues.statusCode).toBe(200);
    const { queues: listed } = bodyOf(queues, z.object({ queues: z.array(z.object({ name: z.string() })) }));
    expect(listed.map((q) => q.name)).toEqual(['steps']);
  });

  it('the queue dashboard is read-only unless OPS_DASHBOARD_WRITABLE=1', async () => {
    const listed = z.object({ queues: z.array(z.object({ name: z.string(), readOnlyMode: z.boolean() })) });
    expect(bodyOf(await t.get('/ops/queues/api/queues'), listed).queues[0]?.readOnlyMode).toBe(true);
    const mutating = [
      ['PUT', '/ops/queues/api/queues/pause'],
      ['PUT', '/ops/queues/api/queues/steps/pause'],
      ['PUT', '/ops/queues/api/queues/steps/empty'],
      ['PUT', '/ops/queues/api/queues/steps/obliterate'],
      ['PATCH', '/ops/queues/api/queues/steps/job-1/update-data'],
      ['POST', '/ops/queues/api/queues/steps/add'],
    ] as const;
    for (const [method, url] of mutating) {
      const res = await t.app.inject({ method, url, headers: basic(KEYS.all), payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(errorOf(res).code).toBe('dashboard_read_only');
    }
    expect(await stepsPaused(t)).toBe(false);
    // The ops scope is checked before the read-only answer: a writer never learns more than 403 forbidden.
    const writer = await t.app.inject({ method: 'PUT', url: mutating[1][1], headers: basic(KEYS.writer) });
    expect(errorOf(writer).code).toBe('forbidden');

    const writable = await startTestApp('ops-dashboard-writable', { env: { OPS_DASHBOARD_WRITABLE: '1' } });
    try {
      expect(bodyOf(await writable.get('/ops/queues/api/queues'), listed).queues[0]?.readOnlyMode).toBe(
        false,
      );
      const pause = await writable.app.inject({ method: 'PUT', url: mutating[1][1], headers: AUTH });
      expect(pause.statusCode).toBe(200);
      expect(await stepsPaused(writable)).toBe(true);
      const audit = await writable.collect(writable.topics.opsAudit);
      const [record] = await audit.atLeast(1, EVENT_TYPES.opsActionRecorded, () => true);
      expect(record?.data).toMatchObject({
        action: 'dashboard',
        keyId: 'all',
        target: { method: 'PUT', path: '/ops/queues/api/queues/steps/pause' },
      });
    } finally {
      await writable.close();
    }
  });
});

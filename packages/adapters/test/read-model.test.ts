import { isolatedNames } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { fold, InvalidTransitionError } from '@verified-onboard/events';
import { InvalidCursorError, ReadModel, type FailedEntry } from '../src/index.js';
import { happyPath, Stream, at } from './support/builders.js';
import { useRedis } from './support/infra.js';

const names = isolatedNames('events-read-model');
const redis = useRedis(names);
const rm = new ReadModel(redis, { prefix: names.keyPrefix });

async function applyAll(model: ReadModel, events: Stream['events']) {
  const results = [];
  for (const e of events) results.push(await model.applyEvent(e));
  return results;
}

describe('ReadModel on Redis', () => {
  it('stores the folded state and the events, equal to fold over the log', async () => {
    const s = happyPath('enr-rm1', 'capture');
    expect(await applyAll(rm, s.events)).toEqual(s.events.map(() => 'applied'));
    expect(await rm.get('enr-rm1')).toEqual(fold(s.events));
    expect(await rm.events('enr-rm1')).toEqual(s.events);
    expect(await redis.exists(rm.key('enr-rm1'))).toBe(1);
    expect(await rm.get('enr-unknown')).toBeNull();
    expect(await rm.events('enr-unknown')).toEqual([]);
  });

  it('is idempotent by event id and version: redelivery is a duplicate, a conflicting event is stale', async () => {
    const s = happyPath('enr-rm2', 'import');
    await applyAll(rm, s.events.slice(0, 3));
    expect(await rm.applyEvent(at(s.events, 1))).toBe('duplicate');
    expect(await rm.applyEvent({ ...s.event(2), sequence: 7 })).toBe('duplicate');
    const rival = new Stream('enr-rm2');
    rival.requested('import');
    rival.failed('account');
    expect(await rm.applyEvent(at(rival.events, 1))).toBe('conflict');
    expect(await rm.get('enr-rm2')).toMatchObject({ version: 3 });
    await expect(rm.applyEvent(happyPath('enr-rm2', 'import').event(0))).resolves.toBe('duplicate');
    const wrong = new Stream('enr-rm2');
    wrong.requested('capture');
    wrong.captureStarted();
    wrong.captureCompleted(1);
    wrong.accountCreated();
    await expect(rm.applyEvent(at(wrong.events, 3))).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('applies concurrent deliveries of the same event exactly once', async () => {
    const s = happyPath('enr-rm3', 'capture');
    for (const event of s.events) {
      const results = await Promise.all(
        [event, event, structuredClone(event), event].map((e) => rm.applyEvent(e)),
      );
      expect(results.sort()).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate']);
    }
    expect(await rm.get('enr-rm3')).toEqual(fold(s.events));
  });

  it('keeps per-batch counts per status', async () => {
    const batchId = 'batch-1';
    const a = new Stream('enr-b1');
    a.requested('import', { batchId });
    a.accountCreated();
    const b = new Stream('enr-b2');
    b.requested('capture', { batchId });
    b.captureStarted();
    b.captureCompleted(2);
    const c = happyPath('enr-b3', 'import');
    c.events.length = 0;
    c.requested('import', { batchId });
    c.accountCreated();
    c.credentialAttached('biometric');
    c.completed();
    for (const s of [a, b, c]) await applyAll(rm, [...s.events, at(s.events, 0)]);
    const counts = await rm.batch(batchId);
    expect(counts.total).toBe(3);
    expect(counts.byStatus).toMatchObject({
      account_created: 1,
      rejected: 1,
      completed: 1,
      requested: 0,
      capture_pending: 0,
    });
    expect(await rm.batch('no-such-batch')).toMatchObject({ total: 0, byStatus: { completed: 0 } });
  });

  it('indexes failures with filters and cursor paging, and unindexes them on retry', async () => {
    const failures: [string, 'begin' | 'account' | 'credential', string, boolean, string | undefined][] = [];
    for (let i = 0; i < 25; i++) {
      failures.push([
        `enr-f${String(i).padStart(2, '0')}`,
        at(['begin', 'account', 'credential'] as const, i % 3),
        i % 2 ? 'upstream_unavailable' : 'account_conflict',
        i % 2 === 1,
        i < 10 ? 'batch-f' : undefined,
      ]);
    }
    for (const [id, step, code, retryable, batchId] of failures) {
      const s = new Stream(id);
      s.requested('import', batchId ? { batchId } : {});
      s.failed(step, code, retryable);
      await applyAll(rm, s.events);
    }
    const collect = async (filter: Parameters<ReadModel['listFailed']>[0]) => {
      const out: FailedEntry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await rm.listFailed({ ...filter, cursor });
        out.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      return { out, pages };
    };
    const everything = await collect({ limit: 4 });
    expect(everything.out.map((f) => f.enrollmentId).filter((id) => id.startsWith('enr-f'))).toEqual(
      failures.map((f) => f[0]),
    );
    expect(everything.pages).toBeGreaterThan(6);
    const account = await collect({ step: 'account', retryable: true, limit: 2 });
    expect(account.out.map((f) => f.enrollmentId)).toEqual(
      failures.filter((f) => f[1] === 'account' && f[3]).map((f) => f[0]),
    );
    const inBatch = await collect({ batchId: 'batch-f', code: 'account_conflict', limit: 100 });
    expect(inBatch.out.map((f) => f.enrollmentId)).toEqual(
      failures.filter((f) => f[4] && f[2] === 'account_conflict').map((f) => f[0]),
    );
    expect(inBatch.out[0]).toMatchObject({
      step: 'begin',
      code: 'account_conflict',
      retryable: false,
      attempts: 5,
      batchId: 'batch-f',
    });
    // The builder stamps event n at second n of 2025-01-01: failures are at second 2.
    expect((await rm.listFailed({ since: '2025-01-01T00:00:03Z' })).items).toEqual([]);
    expect(
      (await rm.listFailed({ until: '2025-01-01T00:00:02Z', limit: 1000 })).items.length,
    ).toBeGreaterThanOrEqual(25);
    await expect(rm.listFailed({ cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);

    const retried = new Stream('enr-f00');
    retried.requested('import', { batchId: 'batch-f' });
    retried.failed('begin', 'account_conflict', false);
    retried.retried('begin');
    await rm.applyEvent(at(retried.events, 2));
    expect((await collect({ batchId: 'batch-f', limit: 100 })).out.map((f) => f.enrollmentId)).not.toContain(
      'enr-f00',
    );
    expect(await rm.get('enr-f00')).toMatchObject({ status: 'requested' });
    expect((await rm.batch('batch-f')).byStatus).toMatchObject({ failed: 9, requested: 1 });
  });

  it('keeps a pending enrollment within 2 KB of Redis memory', async () => {
    const s = new Stream('enr-mem-0123456789abcdef');
    s.requested('capture', {
      email: 'ada@example.com',
      phoneNumber: '+15555550100',
      batchId: 'batch-mem',
      externalRef: 'crm-123456',
      line: 99_999,
    });
    s.captureStarted('op-7f9c2a1e-5b3d-4c8e-9a6f-1d2e3f4a5b6c');
    await applyAll(rm, s.events);
    const bytes = Number(await redis.call('MEMORY', 'USAGE', rm.key(s.id), 'SAMPLES', '0'));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(2048);
  });

  it('rebuilds into a new keyspace and switches readers with a pointer', async () => {
    const base = `${names.keyPrefix}ks:`;
    const s = happyPath('enr-ks', 'recapture');
    const old = new ReadModel(redis, { prefix: base });
    await applyAll(old, s.events.slice(0, 2));
    expect(await ReadModel.activeKeyspace(redis, base)).toBe(base);

    const rebuilt = `${base}rebuild-1:`;
    const next = new ReadModel(redis, { prefix: rebuilt });
    await applyAll(next, s.events);
    expect(await ReadModel.switchKeyspace(redis, base, rebuilt)).toBe(base);
    const reader = await ReadModel.open(redis, base);
    expect(reader.prefix).toBe(rebuilt);
    expect(await reader.get('enr-ks')).toMatchObject({ status: 'completed' });

    expect(await ReadModel.dropKeyspace(redis, base)).toBe(1);
    expect(await old.get('enr-ks')).toBeNull();
    expect(await reader.get('enr-ks')).toMatchObject({ status: 'completed' });
    expect(await ReadModel.activeKeyspace(redis, base)).toBe(rebuilt);
  });
});

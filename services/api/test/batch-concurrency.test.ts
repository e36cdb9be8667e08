import { request } from 'node:http';
import { waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AUTH, bearer, errorOf, KEYS, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let baseUrl: URL;

beforeAll(async () => {
  t = await startTestApp('batch-concurrency');
  baseUrl = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
});
afterAll(async () => t?.close());

/** A batch whose body is still streaming: one line sent, the request held open until `finish`. */
function openBatch(line: string) {
  let status = 0;
  const finishers: (() => void)[] = [];
  const answered = new Promise<number>((resolve, reject) => {
    const req = request(
      new URL('/v1/enrollments/batch', baseUrl),
      { method: 'POST', headers: { ...AUTH, 'content-type': 'application/x-ndjson' } },
      (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => resolve(status));
      },
    );
    req.on('error', reject);
    req.write(`${JSON.stringify({ displayName: line })}\n`);
    finishers.push(() => req.end(`${JSON.stringify({ displayName: `${line} end` })}\n`));
  });
  return {
    answered,
    finish: () => {
      for (const finish of finishers) finish();
      return answered;
    },
  };
}

const slotKey = () => t.keys.batchSlots(KEYS.all.id);
const slotsHeld = () => t.redis.zcard(slotKey());
const ndjson = { 'content-type': 'application/x-ndjson' };

it('an API key streams at most API_BATCH_CONCURRENCY_PER_KEY (2) batches at once; the next answers 429 with Retry-After', async () => {
  const first = openBatch('First');
  const second = openBatch('Second');
  await waitFor('both batches to hold a slot', async () => (await slotsHeld()) === 2);

  const third = await t.post('/v1/enrollments/batch', '{"displayName":"Third"}\n', { ...AUTH, ...ndjson });
  expect(third.statusCode).toBe(429);
  expect(errorOf(third).code).toBe('too_many_concurrent_batches');
  expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
  // Another key has slots of its own.
  const other = await t.post('/v1/enrollments/batch', '{"displayName":"Other key"}\n', {
    ...bearer(KEYS.writer),
    ...ndjson,
  });
  expect(other.statusCode).toBe(202);

  // A streaming batch keeps its slot alive: its expiry moves forward while the body is still coming.
  const [, expiry] = await t.redis.zrange(slotKey(), 0, 0, 'WITHSCORES');
  await waitFor('the slot to be refreshed', async () => {
    const scores = await t.redis.zrange(slotKey(), 0, -1, 'WITHSCORES');
    return scores.filter((_, i) => i % 2 === 1).every((score) => Number(score) > Number(expiry));
  });

  expect(await first.finish()).toBe(202);
  expect(await second.finish()).toBe(202);
  expect(await slotsHeld()).toBe(0);
  const after = await t.post('/v1/enrollments/batch', '{"displayName":"After"}\n', { ...AUTH, ...ndjson });
  expect(after.statusCode).toBe(202);
}, 60_000);

it('a slot its instance stopped refreshing (a crash mid-batch) frees itself', async () => {
  await t.redis.zadd(slotKey(), Date.now() - 1000, 'crashed-1', Date.now() - 1000, 'crashed-2');
  const res = await t.post('/v1/enrollments/batch', '{"displayName":"After a crash"}\n', {
    ...AUTH,
    ...ndjson,
  });
  expect(res.statusCode).toBe(202);
  expect(await slotsHeld()).toBe(0);
});

import assert from 'node:assert/strict';
import { EVENT_TYPES } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEnrollmentId } from '../src/ids.js';
import { batchAcceptedSchema, batchStatusSchema } from '../src/routes/batches.js';
import type { Collector } from './support/collector.js';
import { nextEvent } from './support/events.js';
import { AUTH, bodyOf, errorOf, messageCount, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
let collector: Collector;

beforeAll(async () => {
  t = await startTestApp('batches', { env: { API_BATCH_MAX_BYTES: '200000', API_BATCH_MAX_LINES: '50' } });
  collector = await t.collect(t.topics.enrollmentEvents);
});
afterAll(async () => t?.close());

const submit = (payload: string, contentType: string, headers: Record<string, string> = {}) =>
  t.post('/v1/enrollments/batch', payload, { ...AUTH, 'content-type': contentType, ...headers });
const ndjson = (lines: unknown[]) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
const accepted = (res: Awaited<ReturnType<typeof submit>>) => bodyOf(res, batchAcceptedSchema);
/** Waits for `count` requested events of the batch; more than that fails the test. */
async function batchEvents(batchId: string, count: number) {
  const events = await collector.atLeast(count, EVENT_TYPES.requested, (e) => e.data.batchId === batchId);
  expect(events).toHaveLength(count);
  return events;
}
const byLine = (events: Awaited<ReturnType<typeof batchEvents>>, line: number) => {
  const event = events.find((e) => e.data.line === line);
  assert.ok(event, `the event of line ${line}`);
  return event;
};

describe('POST /v1/enrollments/batch', () => {
  it('publishes valid NDJSON lines with batch priority and lists rejected ones per line and field', async () => {
    const body = ndjson([
      { displayName: 'One' },
      '{not json',
      { displayName: 'Two', transport: 'sms' },
      '',
      [1, 2],
      { displayName: 'Three', accountNumber: 'acct-three', transport: 'email', email: 'three@example.com' },
    ]);
    const res = await submit(body, 'application/x-ndjson');
    expect(res.statusCode).toBe(202);
    const result = accepted(res);
    expect(result).toMatchObject({ accepted: 2, rejectedCount: 3 });
    expect(res.headers['x-batch-id']).toBe(result.batchId);
    expect(result.rejected).toEqual([
      { line: 2, code: 'invalid_json', field: null, message: 'the line is not valid JSON' },
      { line: 3, code: 'validation_failed', field: 'phoneNumber', message: 'required for transport sms' },
      { line: 5, code: 'invalid_line', field: null, message: 'each line must be a JSON object' },
    ]);
    const events = await batchEvents(result.batchId, 2);
    expect(events.map((e) => e.data.line).sort()).toEqual([1, 6]);
    expect(byLine(events, 6).subject).toBe(batchEnrollmentId(result.batchId, 6));
    expect(byLine(events, 6).data).toMatchObject({
      priority: 'batch',
      accountNumber: 'acct-three',
      batchId: result.batchId,
    });
    expect(byLine(events, 1).correlationid).toBe(result.batchId);
  });

  it('a resubmission with the same Idempotency-Key, or with the issued X-Batch-Id, publishes nothing again', async () => {
    const body = ndjson([{ displayName: 'A' }, { displayName: 'B' }, { displayName: 'C' }]);
    const before = await messageCount(t.kafka, t.topics.enrollmentEvents);
    const first = await submit(body, 'application/x-ndjson', { 'idempotency-key': 'nightly-2024-05-01' });
    expect(first.statusCode).toBe(202);
    const { batchId } = accepted(first);
    const again = await submit(body, 'application/x-ndjson', { 'idempotency-key': 'nightly-2024-05-01' });
    const resumed = await submit(body, 'application/x-ndjson', { 'x-batch-id': batchId });
    for (const res of [again, resumed]) expect(accepted(res)).toMatchObject({ batchId, accepted: 3 });
    // Every publish is acknowledged before the 202, so the topic holds all there will be.
    expect((await messageCount(t.kafka, t.topics.enrollmentEvents)) - before).toBe(3);
    const events = await batchEvents(batchId, 3);
    expect(new Set(events.map((e) => e.subject))).toEqual(
      new Set([1, 2, 3].map((line) => batchEnrollmentId(batchId, line))),
    );
  });

  it('accepts CSV with a header row, typed columns and quoted fields', async () => {
    const csv = [
      'displayName,accountNumber,checkLiveness,timeoutSec,description',
      '"Lovelace, Ada",acct-csv-1,false,120,"said ""hi"""',
      'Hopper,acct-csv-2,,,',
      'Bad,acct csv,true,30,',
      'Short,row',
    ].join('\r\n');
    const res = await submit(csv, 'text/csv; charset=utf-8');
    expect(res.statusCode).toBe(202);
    const result = accepted(res);
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.line, r.code, r.field])).toEqual([
      [4, 'validation_failed', 'accountNumber'],
      [5, 'invalid_csv', null],
    ]);
    const events = await batchEvents(result.batchId, 2);
    expect(byLine(events, 2).data).toMatchObject({
      displayName: 'Lovelace, Ada',
      checkLiveness: false,
      timeoutSec: 120,
      description: 'said "hi"',
    });
  });

  it('rejects an unusable CSV header before publishing anything (400)', async () => {
    const res = await submit('name,selfie\nAda,xyz', 'text/csv');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('invalid_csv_header');
    expect(errorOf(res).details.map((d) => d.field)).toContain('selfie');
  });

  it('415 for JSON or missing content type, 401/403 before reading, 413 past the byte or line limits', async () => {
    const json = await submit('[{"displayName":"x"}]', 'application/json');
    expect(json.statusCode).toBe(415);
    expect(errorOf(json).code).toBe('unsupported_media_type');
    const anonymous = await t.post('/v1/enrollments/batch', '{}', { 'content-type': 'application/x-ndjson' });
    expect(anonymous.statusCode).toBe(401);
    const tooBig = await submit(
      `${JSON.stringify({ displayName: 'x'.repeat(200) })}\n`.repeat(1000),
      'application/x-ndjson',
    );
    expect(tooBig.statusCode).toBe(413);
    expect(errorOf(tooBig).code).toBe('batch_too_large');
    const tooMany = await submit(
      ndjson(Array.from({ length: 51 }, (_, i) => ({ displayName: `n${i}` }))),
      'application/x-ndjson',
    );
    expect(tooMany.statusCode).toBe(413);
    expect(errorOf(tooMany).code).toBe('too_many_lines');
  });
});

describe('GET /v1/batches/:id', () => {
  it('counts unprojected lines as requested and projected ones by status; 404 for unknown batches', async () => {
    const res = await submit(
      ndjson([{ displayName: 'P1' }, { displayName: 'P2' }, { displayName: 'bad', mode: 'import' }]),
      'application/x-ndjson',
    );
    const { batchId } = accepted(res);
    const status = async () => bodyOf(await t.get(`/v1/batches/${batchId}`), batchStatusSchema);
    const before = await status();
    expect(before).toMatchObject({ batchId, total: 2, accepted: 2, rejected: 1 });
    expect(before.byStatus).toMatchObject({ requested: 2, failed: 0, completed: 0 });

    const events = await batchEvents(batchId, 2);
    for (const event of events) await t.readModel.applyEvent(event);
    await t.readModel.applyEvent(
      nextEvent(byLine(events, 1), EVENT_TYPES.failed, {
        step: 'begin',
        code: 'upstream_unavailable',
        message: 'down',
        retryable: true,
        attempts: 5,
      }),
    );
    const after = await status();
    expect(after.total).toBe(2);
    expect(after.byStatus).toMatchObject({ requested: 1, failed: 1 });

    const unknown = await t.get('/v1/batches/nope');
    expect(unknown.statusCode).toBe(404);
  });
});

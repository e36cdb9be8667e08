import { createEvent, type EnrollmentEvent } from '@verified-onboard/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEnrollmentId } from '../src/ids.js';
import { AUTH, collectEvents, startTestApp, waitFor, type TestApp } from './support/harness.js';

let t: TestApp;
let collector: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  t = await startTestApp('batches', { env: { API_BATCH_MAX_BYTES: '200000', API_BATCH_MAX_LINES: '50' } });
  collector = await collectEvents(t.kafka, [t.topics.enrollmentEvents], `${t.names.groupPrefix}collector`);
});
afterAll(async () => {
  await collector?.stop();
  await t?.close();
});

const submit = (payload: string, contentType: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/enrollments/batch',
    headers: { ...AUTH, 'content-type': contentType, ...headers },
    payload,
  });
const ndjson = (lines: unknown[]) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
const batchEvents = (batchId: string) =>
  collector.events.filter(
    (e) => e.type === 'enrollment.requested.v1' && (e.data as { batchId?: string }).batchId === batchId,
  );

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
    const result = res.json();
    expect(result).toMatchObject({ accepted: 2, rejectedCount: 3 });
    expect(res.headers['x-batch-id']).toBe(result.batchId);
    expect(result.rejected).toEqual([
      { line: 2, code: 'invalid_json', field: null, message: 'the line is not valid JSON' },
      { line: 3, code: 'validation_failed', field: 'phoneNumber', message: 'required for transport sms' },
      { line: 5, code: 'invalid_line', field: null, message: 'each line must be a JSON object' },
    ]);
    const events = await waitFor(
      () => (batchEvents(result.batchId).length === 2 ? batchEvents(result.batchId) : null),
      'batch events',
    );
    const byLine = new Map(events.map((e) => [(e.data as { line: number }).line, e]));
    expect([...byLine.keys()].sort()).toEqual([1, 6]);
    expect(byLine.get(6)!.subject).toBe(batchEnrollmentId(result.batchId, 6));
    expect(byLine.get(6)!.data).toMatchObject({
      priority: 'batch',
      accountNumber: 'acct-three',
      batchId: result.batchId,
    });
    expect(byLine.get(1)!.correlationid).toBe(result.batchId);
  });

  it('a resubmission with the same Idempotency-Key republishes the same enrollment and event ids', async () => {
    const body = ndjson([{ displayName: 'A' }, { displayName: 'B' }, { displayName: 'C' }]);
    const first = await submit(body, 'application/x-ndjson', { 'idempotency-key': 'nightly-2024-05-01' });
    const second = await submit(body, 'application/x-ndjson', { 'x-batch-id': 'nightly-2024-05-01' });
    expect(first.statusCode).toBe(202);
    expect(second.json().batchId).toBe(first.json().batchId);
    const batchId = first.json().batchId;
    const events = await waitFor(
      () => (batchEvents(batchId).length === 6 ? batchEvents(batchId) : null),
      'both submissions',
    );
    const ids = new Set(events.map((e) => e.id));
    const subjects = new Set(events.map((e) => e.subject));
    expect(ids.size).toBe(3);
    expect(subjects).toEqual(new Set([1, 2, 3].map((line) => batchEnrollmentId(batchId, line))));
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
    const result = res.json();
    expect(result.accepted).toBe(2);
    expect(
      result.rejected.map((r: { line: number; field: string | null; code: string }) => [
        r.line,
        r.code,
        r.field,
      ]),
    ).toEqual([
      [4, 'validation_failed', 'accountNumber'],
      [5, 'invalid_csv', null],
    ]);
    const events = await waitFor(
      () => (batchEvents(result.batchId).length === 2 ? batchEvents(result.batchId) : null),
      'csv events',
    );
    const first = events.find((e) => (e.data as { line: number }).line === 2)!;
    expect(first.data).toMatchObject({
      displayName: 'Lovelace, Ada',
      checkLiveness: false,
      timeoutSec: 120,
      description: 'said "hi"',
    });
  });

  it('rejects an unusable CSV header before publishing anything (400)', async () => {
    const res = await submit('name,selfie\nAda,xyz', 'text/csv');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_csv_header');
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain('selfie');
  });

  it('415 for JSON or missing content type, 401/403 before reading, 413 past the byte or line limits', async () => {
    const json = await submit('[{"displayName":"x"}]', 'application/json');
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('unsupported_media_type');
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments/batch',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: '{}',
    });
    expect(anonymous.statusCode).toBe(401);
    const tooBig = await submit(
      `${JSON.stringify({ displayName: 'x'.repeat(200) })}\n`.repeat(1000),
      'application/x-ndjson',
    );
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('batch_too_large');
    const tooMany = await submit(
      ndjson(Array.from({ length: 51 }, (_, i) => ({ displayName: `n${i}` }))),
      'application/x-ndjson',
    );
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error.code).toBe('too_many_lines');
  });
});

describe('GET /v1/batches/:id', () => {
  it('counts unprojected lines as requested and projected ones by status; 404 for unknown batches', async () => {
    const res = await submit(
      ndjson([{ displayName: 'P1' }, { displayName: 'P2' }, { displayName: 'bad', mode: 'import' }]),
      'application/x-ndjson',
    );
    const { batchId } = res.json();
    const before = await t.app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: AUTH });
    expect(before.json()).toMatchObject({ batchId, total: 2, accepted: 2, rejected: 1 });
    expect(before.json().byStatus).toMatchObject({ requested: 2, failed: 0, completed: 0 });

    const events = await waitFor(
      () => (batchEvents(batchId).length === 2 ? batchEvents(batchId) : null),
      'batch events',
    );
    for (const event of events) await t.readModel.applyEvent(event as EnrollmentEvent);
    const failed = createEvent({
      type: 'enrollment.failed.v1',
      subject: events[0]!.subject,
      sequence: 2,
      source: 'test/projector',
      correlationId: batchId,
      causationId: events[0]!.id,
      data: { step: 'begin', code: 'upstream_unavailable', message: 'down', retryable: true, attempts: 5 },
    });
    await t.readModel.applyEvent(failed as EnrollmentEvent);
    const after = (
      await t.app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: AUTH })
    ).json();
    expect(after.total).toBe(2);
    expect(after.byStatus).toMatchObject({ requested: 1, failed: 1 });

    const unknown = await t.app.inject({ method: 'GET', url: '/v1/batches/nope', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
  });
});

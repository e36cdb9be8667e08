import { EVENT_TYPES } from '@verified-onboard/events';
import { signWebhookBody } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acceptedEnrollmentSchema, enrollmentViewSchema } from '../src/enrollments/schemas.js';
import { createLogger } from '../src/logger.js';
import { projectCaptureStarted } from './support/events.js';
import { basic, bodyOf, KEYS, LogCapture, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('log-redaction', { env: { LOG_LEVEL: 'trace' } });
});
afterAll(async () => t?.close());

it('no API key, signature, selfie or capture secret reaches the log in a full request cycle', async () => {
  const collector = await t.collect(t.topics.enrollmentEvents);
  const selfie = Buffer.from('SELFIE-BYTES-'.repeat(64)).toString('base64');
  const captureSecret = 'ONE-TIME-SECRET-value';
  const created = await t.post('/v1/enrollments', {
    displayName: 'Logged',
    accountNumber: 'acct-log',
    mode: 'import',
    selfie: { data: selfie },
  });
  expect(created.statusCode).toBe(202);
  const capture = await t.post(
    '/v1/enrollments',
    { displayName: 'Captured' },
    { 'x-api-key': `${KEYS.writer.id}:${KEYS.writer.secret}` },
  );
  const { id } = bodyOf(capture, acceptedEnrollmentSchema);
  await projectCaptureStarted(t.readModel, await collector.first(EVENT_TYPES.requested, id), 'op-log');
  await t.storeCaptureUrl(id, `http://verified.test/?i=op-log&s=${captureSecret}`);
  const read = await t.get(`/v1/enrollments/${id}?s=${captureSecret}`);
  expect(bodyOf(read, enrollmentViewSchema).captureUrl).toContain(captureSecret);

  const body = '{"OperationId":"op-log","Status":1}';
  const signature = signWebhookBody(body, t.config.webhookSecret);
  const webhook = (xSignature: string) =>
    t.post('/v1/webhooks/verified', body, { 'content-type': 'application/json', 'x-signature': xSignature });
  expect((await webhook(signature)).statusCode).toBe(204);
  expect((await webhook('Zm9yZ2Vk')).statusCode).toBe(401);
  const basicAuth = basic(KEYS.all);
  await t.get('/ops/queues', basicAuth);
  await t.get('/v1/enrollments/00000000-0000-4000-8000-000000000000', {
    authorization: 'Bearer all:wrong-guess-secret',
  });

  const log = t.logs.text;
  expect(t.logs.lines.length).toBeGreaterThan(10);
  expect(log).toContain('/v1/webhooks/verified');
  expect(log).toContain('s=[REDACTED]');
  for (const secret of [
    KEYS.all.secret,
    KEYS.writer.secret,
    'wrong-guess-secret',
    signature,
    basicAuth.authorization.replace('Basic ', ''),
    captureSecret,
    selfie.slice(0, 32),
    'SELFIE-BYTES',
  ]) {
    expect(log, `log must not contain ${secret.slice(0, 12)}…`).not.toContain(secret);
  }
});

it('objects logged by mistake are redacted by path', () => {
  const capture = new LogCapture();
  const logger = createLogger('info', capture);
  logger.info(
    {
      req: {
        headers: { authorization: 'Bearer k:leak-1', 'x-api-key': 'k:leak-2', 'x-signature': 'leak-3' },
      },
      enrollment: { captureUrl: 'http://x/?s=leak-4', selfie: { data: 'leak-5' } },
      body: { anything: 'leak-6' },
      secret: 'leak-7',
    },
    'careless',
  );
  logger.flush();
  expect(capture.text).toContain('careless');
  for (let i = 1; i <= 7; i++) expect(capture.text).not.toContain(`leak-${i}`);
});

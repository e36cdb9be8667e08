import type { EnrollmentEvent } from '@verified-onboard/events';
import { signWebhookBody } from '@verified-onboard/verified-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import {
  AUTH,
  KEYS,
  LogCapture,
  collectEvents,
  startTestApp,
  waitFor,
  type TestApp,
} from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp('log-redaction', { env: { LOG_LEVEL: 'trace' } });
});
afterAll(async () => t?.close());

it('no API key, signature, selfie or capture secret reaches the log in a full request cycle', async () => {
  const collector = await collectEvents(
    t.kafka,
    [t.topics.enrollmentEvents],
    `${t.names.groupPrefix}collector`,
  );
  const selfie = Buffer.from('SELFIE-BYTES-'.repeat(64)).toString('base64');
  const captureSecret = 'ONE-TIME-SECRET-value';
  try {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: AUTH,
      payload: { displayName: 'Logged', accountNumber: 'acct-log', mode: 'import', selfie: { data: selfie } },
    });
    expect(created.statusCode).toBe(202);
    const capture = await t.app.inject({
      method: 'POST',
      url: '/v1/enrollments',
      headers: { 'x-api-key': `${KEYS.writer.id}:${KEYS.writer.secret}` },
      payload: { displayName: 'Captured' },
    });
    const id = capture.json().id as string;
    const requested = await waitFor(() => collector.events.find((e) => e.subject === id), 'requested');
    await t.readModel.applyEvent(requested as EnrollmentEvent);
    const { createEvent } = await import('@verified-onboard/events');
    await t.readModel.applyEvent(
      createEvent({
        type: 'enrollment.capture_started.v1',
        subject: id,
        sequence: 2,
        source: 'test',
        correlationId: id,
        causationId: requested.id,
        data: {
          operationId: 'op-log',
          transport: 'inline',
          operationExpiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      }) as EnrollmentEvent,
    );
    await t.redis.set(
      `${t.config.keyPrefix}:secret:capture-url:${id}`,
      `http://verified.test/?i=op-log&s=${captureSecret}`,
      'EX',
      60,
    );
    const read = await t.app.inject({
      method: 'GET',
      url: `/v1/enrollments/${id}?s=${captureSecret}`,
      headers: AUTH,
    });
    expect(read.json().captureUrl).toContain(captureSecret);

    const body = '{"OperationId":"op-log","Status":1}';
    const signature = signWebhookBody(body, t.config.webhookSecret);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/webhooks/verified',
          headers: { 'content-type': 'application/json', 'x-signature': signature },
          payload: body,
        })
      ).statusCode,
    ).toBe(204);
    const forged = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/verified',
      headers: { 'content-type': 'application/json', 'x-signature': 'Zm9yZ2Vk' },
      payload: body,
    });
    expect(forged.statusCode).toBe(401);
    const basic = Buffer.from(`${KEYS.all.id}:${KEYS.all.secret}`).toString('base64');
    await t.app.inject({ method: 'GET', url: '/ops/queues', headers: { authorization: `Basic ${basic}` } });
    await t.app.inject({
      method: 'GET',
      url: '/v1/enrollments/00000000-0000-4000-8000-000000000000',
      headers: { authorization: 'Bearer all:wrong-guess-secret' },
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
      basic,
      captureSecret,
      selfie.slice(0, 32),
      'SELFIE-BYTES',
    ]) {
      expect(log, `log must not contain ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
  } finally {
    await collector.stop();
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

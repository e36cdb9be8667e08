import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PREFIX, ADMIN_V1, EmulatorHarness, WebhookReceiver, waitFor } from './helpers.js';

const SECRET = 'test-webhook-secret';
const sign = (raw: string, secret = SECRET): string =>
  createHmac('sha256', secret).update(raw).digest('base64');

describe('webhooks', () => {
  const now = Date.parse('2026-04-01T00:00:00Z');
  let h: EmulatorHarness;
  let receiver: WebhookReceiver;
  let token: string;
  beforeAll(async () => {
    h = await EmulatorHarness.start({ now: () => now, webhookSecret: SECRET });
  });
  beforeEach(async () => {
    await h.control('POST', '/reset');
    receiver = await WebhookReceiver.start();
    token = await h.token();
  });
  afterEach(() => receiver.close());
  afterAll(() => h.close());

  const configure = (webHook: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    h.call('PUT', `${ADMIN_V1}/settings/webhook`, {
      token,
      body: {
        Enabled: true,
        WebHook: { Url: receiver.url, AuthMode: 0, ConnectTimeout: 5, ...webHook },
        ...extra,
      },
    });
  const stats = async () =>
    (await h.control('GET', '/stats')).json.webhooks as { sent: number; dropped: number; failed: number };

  it('GET/PUT settings/webhook under both path forms, keeping the SecretKey unless a new one is given', async () => {
    const initial = await h.call('GET', `${ADMIN_PREFIX}/settings/webhook`, { token });
    expect(initial.status).toBe(200);
    expect(initial.json).toMatchObject({
      Enabled: true,
      SecretKey: SECRET,
      Version: 0,
      WebHook: { Url: '', AuthMode: 0 },
    });
    const put = await configure({ ConnectTimeout: 3 });
    expect(put.json).toMatchObject({
      SecretKey: SECRET,
      Version: 1,
      WebHook: { Url: receiver.url, ConnectTimeout: 3 },
    });
    const changed = await h.call('PUT', `${ADMIN_PREFIX}/settings/webhook`, {
      token,
      body: { SecretKey: 'rotated' },
    });
    expect(changed.json).toMatchObject({ SecretKey: 'rotated', Version: 2, WebHook: { Url: receiver.url } });
    expect((await h.call('GET', `${ADMIN_V1}/settings/webhook`, { token })).json.SecretKey).toBe('rotated');
    const regenerated = await h.call('POST', `${ADMIN_PREFIX}/settings/webhook/secret`, { token });
    expect(regenerated.json.SecretKey).not.toBe('rotated');
    expect((await h.control('GET', '/stats')).json.calls.webhookSettings).toBe(5);
  });

  it('posts one signed delivery per terminal status change, driven by timers without any polling', async () => {
    await configure({});
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const begin = await h.beginBiometry(token);
    const [hook] = await waitFor(
      () => (receiver.received.length === 1 ? receiver.received : undefined),
      'webhook',
    );
    expect(hook!.headers['x-signature']).toBe(sign(hook!.rawBody));
    expect(hook!.headers.authorization).toBeUndefined();
    expect(JSON.parse(hook!.rawBody)).toEqual({
      EventType: 1,
      OperationId: begin.json.OperationId,
      TransactionId: null,
      AccountNumber: null,
      Name: 'GetForeignBiometry',
      Status: 1,
      Message: 'Operation has been accepted by the user.',
      Timestamp: new Date(now).toISOString(),
    });
    await waitFor(async () => ((await stats()).sent === 1 ? true : undefined), 'sent counter');
  });

  it('signs with the current SecretKey and sends Basic auth in AuthMode 1', async () => {
    await configure(
      { AuthMode: 1, Login: 'hook-user', Password: 'hook-pass' },
      { SecretKey: 'another-secret' },
    );
    await h.createAccount(token, 'wh-1');
    await h.scenario({ user: { outcome: 'never' } });
    const op = await h.call(
      'POST',
      `${'/IDCompleteBackendEngine/Default/AuthorizationServiceRest'}/v2/operations`,
      { token, body: { AccountNumber: 'wh-1', Name: 'GetForeignBiometry', Timeout: 60, TransportType: 0 } },
    );
    await h.control('POST', `/operations/${op.json.OperationId}/complete`, { Status: 2 });
    const [hook] = await waitFor(
      () => (receiver.received.length === 1 ? receiver.received : undefined),
      'webhook',
    );
    expect(hook!.headers.authorization).toBe(
      `Basic ${Buffer.from('hook-user:hook-pass').toString('base64')}`,
    );
    expect(hook!.headers['x-signature']).toBe(sign(hook!.rawBody, 'another-secret'));
    expect(JSON.parse(hook!.rawBody)).toMatchObject({
      AccountNumber: 'wh-1',
      Status: 2,
      OperationId: op.json.OperationId,
    });
  });

  it('an expiry caused by advancing the clock is delivered at once', async () => {
    await configure({});
    await h.scenario({ user: { outcome: 'never' } });
    const begin = await h.beginBiometry(token, { TimeoutSec: 600 });
    await h.control('POST', '/clock', { advanceMs: 600_000 });
    const [hook] = await waitFor(
      () => (receiver.received.length === 1 ? receiver.received : undefined),
      'expiry webhook',
    );
    expect(JSON.parse(hook!.rawBody)).toMatchObject({ OperationId: begin.json.OperationId, Status: 3 });
  });

  it('makes one attempt only: a failing receiver is counted as failed and never retried', async () => {
    await configure({});
    receiver.respondWith = 500;
    await h.beginBiometry(token);
    await waitFor(async () => ((await stats()).failed === 1 ? true : undefined), 'failed counter');
    receiver.respondWith = 200;
    await h.beginBiometry(token);
    await waitFor(async () => ((await stats()).sent === 1 ? true : undefined), 'sent counter');
    expect(receiver.received).toHaveLength(2);
    expect((await stats()).failed).toBe(1);
  });

  it('honours ConnectTimeout: a receiver that never answers is given up after it (not after 30 s)', async () => {
    await configure({ ConnectTimeout: 1 });
    receiver.answer = false;
    await h.beginBiometry(token);
    await waitFor(async () => ((await stats()).failed === 1 ? true : undefined), 'failed counter', 8_000);
    expect(receiver.received).toHaveLength(1);
  });

  it('counts an unreachable receiver as failed', async () => {
    const url = receiver.url;
    await receiver.close();
    await h.call('PUT', `${ADMIN_V1}/settings/webhook`, { token, body: { WebHook: { Url: url } } });
    await h.beginBiometry(token);
    await waitFor(async () => ((await stats()).failed === 1 ? true : undefined), 'failed counter');
    receiver = await WebhookReceiver.start();
  });

  it('dropRate and webhook.enabled=false drop deliveries (counted, never sent)', async () => {
    await configure({});
    await h.scenario({ webhook: { dropRate: 1 } });
    for (let i = 0; i < 3; i += 1) await h.beginBiometry(token);
    await h.scenario({ webhook: { dropRate: 0, enabled: false } });
    await h.beginBiometry(token);
    await waitFor(async () => ((await stats()).dropped === 4 ? true : undefined), 'dropped counter');
    await h.scenario({ webhook: { enabled: true } });
    const last = await h.beginBiometry(token);
    const [hook] = await waitFor(
      () => (receiver.received.length > 0 ? receiver.received : undefined),
      'webhook',
    );
    expect(JSON.parse(hook!.rawBody).OperationId).toBe(last.json.OperationId);
    await waitFor(async () => ((await stats()).sent === 1 ? true : undefined), 'sent counter');
    expect(receiver.received).toHaveLength(1);
  });

  it('sends nothing (and counts nothing) while no URL is configured or the settings are disabled', async () => {
    // Each operation is read right away, which settles it (the user accepts at once) under the settings of the
    // moment; otherwise its outcome timer could fire only after the settings below changed.
    const settle = async (id: string) =>
      expect(
        (await h.call('GET', `${ADMIN_PREFIX}/foreignOperations/biometry/${id}`, { token })).json.Status,
      ).toBe(1);
    await settle((await h.beginBiometry(token)).json.OperationId);
    await configure({}, { Enabled: false });
    await settle((await h.beginBiometry(token)).json.OperationId);
    await configure({}, { Enabled: true });
    const last = await h.beginBiometry(token);
    const [hook] = await waitFor(
      () => (receiver.received.length > 0 ? receiver.received : undefined),
      'webhook',
    );
    expect(JSON.parse(hook!.rawBody).OperationId).toBe(last.json.OperationId);
    await waitFor(async () => ((await stats()).sent === 1 ? true : undefined), 'sent counter');
    expect(await stats()).toEqual({ sent: 1, dropped: 0, failed: 0 });
  });
});

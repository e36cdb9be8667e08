import { createHmac } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PREFIX,
  ADMIN_V1,
  AUTHZ_PREFIX,
  EmulatorHarness,
  WebhookReceiver,
  webhookPayload,
  type ReceivedWebhook,
} from './helpers.js';

/** The webhook settings as GET/PUT settings/webhook answer them (only the fields the tests read). */
interface SettingsBody {
  SecretKey: string;
}

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
    h.call<SettingsBody>('PUT', `${ADMIN_V1}/settings/webhook`, {
      token,
      body: {
        Enabled: true,
        WebHook: { Url: receiver.url, AuthMode: 0, ConnectTimeout: 5, ...webHook },
        ...extra,
      },
    });
  const stats = async () => (await h.stats()).webhooks;
  /** The only delivery: waits for exactly one to arrive. */
  const onlyDelivery = (what: string): Promise<ReceivedWebhook> =>
    waitFor(what, () => receiver.received.length === 1 && receiver.received[0]);
  /** The one delivery, for `operationId`, is received and counted as sent. */
  const expectOnlyDeliveryFor = async (operationId: string) => {
    expect(webhookPayload(await onlyDelivery('webhook')).OperationId).toBe(operationId);
    await waitFor('the sent counter', async () => (await stats()).sent === 1);
    expect(receiver.received).toHaveLength(1);
  };

  it('GET/PUT settings/webhook under both path forms, keeping the SecretKey unless a new one is given', async () => {
    const initial = await h.call<SettingsBody>('GET', `${ADMIN_PREFIX}/settings/webhook`, { token });
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
    const changed = await h.call<SettingsBody>('PUT', `${ADMIN_PREFIX}/settings/webhook`, {
      token,
      body: { SecretKey: 'rotated' },
    });
    expect(changed.json).toMatchObject({ SecretKey: 'rotated', Version: 2, WebHook: { Url: receiver.url } });
    expect(
      (await h.call<SettingsBody>('GET', `${ADMIN_V1}/settings/webhook`, { token })).json.SecretKey,
    ).toBe('rotated');
    const regenerated = await h.call<SettingsBody>('POST', `${ADMIN_PREFIX}/settings/webhook/secret`, {
      token,
    });
    expect(regenerated.json.SecretKey).not.toBe('rotated');
    expect((await h.stats()).calls.webhookSettings).toBe(5);
  });

  it('posts one signed delivery per terminal status change, driven by timers without any polling', async () => {
    await configure({});
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 } });
    const begin = await h.beginBiometry(token);
    const hook = await onlyDelivery('webhook');
    expect(hook.headers['x-signature']).toBe(sign(hook.rawBody));
    expect(hook.headers.authorization).toBeUndefined();
    expect(webhookPayload(hook)).toEqual({
      EventType: 1,
      OperationId: begin.json.OperationId,
      TransactionId: null,
      AccountNumber: null,
      Name: 'GetForeignBiometry',
      Status: 1,
      Message: 'Operation has been accepted by the user.',
      Timestamp: new Date(now).toISOString(),
    });
    await waitFor('the sent counter', async () => (await stats()).sent === 1);
  });

  it('signs with the current SecretKey and sends Basic auth in AuthMode 1', async () => {
    await configure(
      { AuthMode: 1, Login: 'hook-user', Password: 'hook-pass' },
      { SecretKey: 'another-secret' },
    );
    await h.createAccount(token, 'wh-1');
    await h.scenario({ user: { outcome: 'never' } });
    const op = await h.call<{ OperationId: string }>('POST', `${AUTHZ_PREFIX}/v2/operations`, {
      token,
      body: { AccountNumber: 'wh-1', Name: 'GetForeignBiometry', Timeout: 60, TransportType: 0 },
    });
    await h.control('POST', `/operations/${op.json.OperationId}/complete`, { Status: 2 });
    const hook = await onlyDelivery('webhook');
    expect(hook.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:hook-pass').toString('base64')}`);
    expect(hook.headers['x-signature']).toBe(sign(hook.rawBody, 'another-secret'));
    expect(webhookPayload(hook)).toMatchObject({
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
    const hook = await onlyDelivery('the expiry webhook');
    expect(webhookPayload(hook)).toMatchObject({ OperationId: begin.json.OperationId, Status: 3 });
  });

  it('makes one attempt only: a failing receiver is counted as failed and never retried', async () => {
    await configure({});
    receiver.respondWith = 500;
    await h.beginBiometry(token);
    await waitFor('the failed counter', async () => (await stats()).failed === 1);
    receiver.respondWith = 200;
    await h.beginBiometry(token);
    await waitFor('the sent counter', async () => (await stats()).sent === 1);
    expect(receiver.received).toHaveLength(2);
    expect((await stats()).failed).toBe(1);
  });

  it('honours ConnectTimeout: a receiver that accepts but never answers is given up on and counted failed', async () => {
    await configure({ ConnectTimeout: 1 });
    receiver.answer = false;
    await h.beginBiometry(token);
    await waitFor('the failed counter', async () => (await stats()).failed === 1);
    expect(receiver.received).toHaveLength(1);
  });

  it('counts an unreachable receiver as failed', async () => {
    const url = receiver.url;
    await receiver.close();
    await h.call('PUT', `${ADMIN_V1}/settings/webhook`, { token, body: { WebHook: { Url: url } } });
    await h.beginBiometry(token);
    await waitFor('the failed counter', async () => (await stats()).failed === 1);
    receiver = await WebhookReceiver.start();
  });

  it('dropRate and webhook.enabled=false drop deliveries (counted, never sent)', async () => {
    await configure({});
    await h.scenario({ webhook: { dropRate: 1 } });
    for (let i = 0; i < 3; i += 1) await h.beginBiometry(token);
    await h.scenario({ webhook: { dropRate: 0, enabled: false } });
    await h.beginBiometry(token);
    await waitFor('the dropped counter', async () => (await stats()).dropped === 4);
    await h.scenario({ webhook: { enabled: true } });
    await expectOnlyDeliveryFor((await h.beginBiometry(token)).json.OperationId);
  });

  it('sends nothing (and counts nothing) while no URL is configured or the settings are disabled', async () => {
    // Each operation is read right away, which settles it (the user accepts at once) under the settings of the
    // moment; otherwise its outcome timer could fire only after the settings below changed.
    const settle = async (id: string) => expect((await h.endBiometry(token, id)).json.Status).toBe(1);
    await settle((await h.beginBiometry(token)).json.OperationId);
    await configure({}, { Enabled: false });
    await settle((await h.beginBiometry(token)).json.OperationId);
    await configure({}, { Enabled: true });
    await expectOnlyDeliveryFor((await h.beginBiometry(token)).json.OperationId);
    expect(await stats()).toEqual({ sent: 1, dropped: 0, failed: 0 });
  });
});

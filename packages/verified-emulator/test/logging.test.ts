import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_V1, EmulatorHarness, IDENTITY_PREFIX, WebhookReceiver, type TokenBody } from './helpers.js';

describe('logging', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  let h: EmulatorHarness;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    h = await EmulatorHarness.start({
      logLevel: 'trace',
      logDestination: sink,
      webhookSecret: 'very-secret-hook-key',
    });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it('never writes tokens, secrets, TempIds or credentials, even at trace level with request logging on', async () => {
    const tokens = (await h.tokens()).json;
    const token = tokens.AccessToken;
    const refreshed = await h.call<TokenBody>('POST', `${IDENTITY_PREFIX}/auth/refresh`, {
      body: tokens.RefreshToken,
    });
    await h.call('PUT', `${ADMIN_V1}/settings/webhook`, {
      token,
      body: {
        WebHook: {
          Url: `${receiver.url}?token=hook-url-token`,
          AuthMode: 1,
          Login: 'hook-login',
          Password: 'hook-password',
        },
      },
    });
    const begin = await h.beginBiometry(token);
    const secret = begin.json.OneTimeSecret;
    assert.ok(secret !== null);
    await h.call('GET', `/?i=${begin.json.OperationId}&s=${encodeURIComponent(secret)}`);
    const end = await h.endBiometry(token, begin.json.OperationId);
    assert.ok(end.json.TempId !== null);
    await waitFor('the webhook', () => receiver.received.length > 0);
    // Make a delivery fail too, so the failure path logs.
    await receiver.close();
    await h.beginBiometry(token);
    await waitFor('the failed delivery', async () => (await h.stats()).webhooks.failed === 1);
    receiver = await WebhookReceiver.start();

    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('webhook delivery failed');
    const secrets = [
      token,
      tokens.RefreshToken,
      refreshed.json.AccessToken,
      secret,
      encodeURIComponent(secret),
      end.json.TempId,
      'very-secret-hook-key',
      'hook-password',
      'hook-url-token',
      'test-key-value',
    ];
    for (const secret of secrets) expect(log, 'a secret leaked into the log').not.toContain(secret);
  });
});

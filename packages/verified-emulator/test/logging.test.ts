import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PREFIX,
  ADMIN_V1,
  EmulatorHarness,
  IDENTITY_PREFIX,
  WebhookReceiver,
  waitFor,
} from './helpers.js';

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
    const token = tokens.AccessToken as string;
    const refreshed = await h.call('POST', `${IDENTITY_PREFIX}/auth/refresh`, { body: tokens.RefreshToken });
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
    await h.call('GET', `/?i=${begin.json.OperationId}&s=${encodeURIComponent(begin.json.OneTimeSecret)}`);
    const end = await h.call('GET', `${ADMIN_PREFIX}/foreignOperations/biometry/${begin.json.OperationId}`, {
      token,
    });
    await waitFor(() => (receiver.received.length > 0 ? true : undefined), 'webhook');
    // Make a delivery fail too, so the failure path logs.
    await receiver.close();
    await h.beginBiometry(token);
    await waitFor(
      async () => ((await h.control('GET', '/stats')).json.webhooks.failed === 1 ? true : undefined),
      'failed delivery',
    );
    receiver = await WebhookReceiver.start();

    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('webhook delivery failed');
    const secrets = [
      token,
      tokens.RefreshToken,
      refreshed.json.AccessToken,
      begin.json.OneTimeSecret,
      encodeURIComponent(begin.json.OneTimeSecret),
      end.json.TempId,
      'very-secret-hook-key',
      'hook-password',
      'hook-url-token',
      'test-key-value',
    ];
    for (const secret of secrets) expect(log, 'a secret leaked into the log').not.toContain(secret);
  });
});

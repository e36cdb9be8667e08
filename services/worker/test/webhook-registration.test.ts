// A worker that starts while the upstream refuses the webhook settings call keeps trying in the background,
// so the fleet does not run on polling alone until its next restart.
import { waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { VerifiedClient } from '@verified-onboard/verified-client';
import { upstreamCalls, useHarness } from './support/harness.js';

describe('webhook registration', () => {
  const h = useHarness('worker-webhook-registration');

  it('is retried after an upstream fault at start until it succeeds', async () => {
    await h.scenario({ faults: { webhookSettings: { rate5xx: 1 } } });
    const url = 'http://127.0.0.1:9/v1/webhooks/verified';
    await h.startWorker({ WEBHOOK_PUBLIC_URL: url }, { projector: false });
    await waitFor('a second attempt', async () => (await upstreamCalls(h, 'webhookSettings')) >= 2);
    await h.scenario({ faults: { webhookSettings: null } });
    const config = h.config();
    const client = new VerifiedClient({
      baseUrl: h.emulator.baseUrl,
      apiKeyId: config.verified.apiKeyId,
      apiKeyValue: config.verified.apiKeyValue,
    });
    try {
      const settings = await waitFor('the registration to land', async () => {
        const s = await client.getWebhookSettings().catch(() => null);
        return s?.webHook?.url === url ? s : null;
      });
      expect(settings).toMatchObject({ enabled: true, webHook: { url } });
    } finally {
      await client.close();
    }
  });
});

// A worker that starts while the upstream refuses the webhook settings call keeps trying in the background,
// so the fleet does not run on polling alone until its next restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedClient } from '@verified-onboard/verified-client';
import { startWorker, type RunningWorker } from '../src/index.js';
import { createHarness, waitFor, type Harness } from './support/harness.js';

describe('webhook registration', () => {
  let h: Harness;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    h = await createHarness('worker-webhook-registration');
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('is retried after an upstream fault at start until it succeeds', async () => {
    await h.scenario({ faults: { webhookSettings: { rate5xx: 1 } } });
    const url = 'http://127.0.0.1:9/v1/webhooks/verified';
    worker = await startWorker(h.config({ WEBHOOK_PUBLIC_URL: url }), { projector: false });
    const calls = async () =>
      (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls.webhookSettings ??
      0;
    await waitFor('a second attempt', async () => (await calls()) >= 2);
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

// With webhooks registered, the webhook brings the answer and polling is only a slow backup: a person who
// takes a few seconds costs one status call, not one every POLL_INITIAL_INTERVAL_MS (issue 8's ≤ 5 calls).
import { describe, expect, it } from 'vitest';
import { upstreamCalls, useHarness, useWebhookStandIn, webhookHint } from './support/harness.js';

// Far longer than any wait below: an enrollment that completes was answered by its webhook.
const BACKUP_POLL_MS = 120_000;

describe('poll economy with webhooks', () => {
  const h = useHarness('worker-poll-economy');
  // Stands in for the api's webhook route: each delivery becomes the hint event the api would publish.
  const webhook = useWebhookStandIn((body) => {
    const { OperationId } = JSON.parse(body) as { OperationId: string };
    return h.publishHint(webhookHint(OperationId));
  });

  it('a user who takes two seconds costs one status call, although the fast schedule polls every 100 ms', async () => {
    await h.startWorker({
      WEBHOOK_PUBLIC_URL: webhook.url(),
      POLL_INITIAL_INTERVAL_MS: '100',
      POLL_WEBHOOK_INTERVAL_MS: String(BACKUP_POLL_MS),
      POLL_MAX_INTERVAL_MS: '500',
    });
    await h.scenario({
      user: { outcome: 'accept', afterMs: 2_000 },
      webhook: { enabled: true, dropRate: 0 },
    });
    const before = await upstreamCalls(h, 'endBiometry');
    const events = await Promise.all([h.request(), h.request(), h.request()]);
    for (const e of events) await h.publishEnrollment(e);
    for (const e of events) await h.waitForStatus(e.subject, ['completed'], 30_000);
    expect((await upstreamCalls(h, 'endBiometry')) - before).toBe(events.length);
  });
});

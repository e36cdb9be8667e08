// With webhooks registered, the webhook brings the answer and polling is only a slow backup: a person who
// takes a few seconds costs one status call, not one every POLL_INITIAL_INTERVAL_MS (issue 8's ≤ 5 calls).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/worker-app.js';
import { createHarness, webhookHint, type Harness } from './support/harness.js';

// Far longer than any wait below: an enrollment that completes was answered by its webhook.
const BACKUP_POLL_MS = 120_000;

describe('poll economy with webhooks', () => {
  let h: Harness;
  let worker: RunningWorker | undefined;
  let server: Server;

  beforeAll(async () => {
    h = await createHarness('worker-poll-economy');
    // Stands in for the api's webhook route: each delivery becomes the hint event the api would publish.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const { OperationId } = JSON.parse(body) as { OperationId: string };
        void h.publishHint(webhookHint(OperationId)).then(() => res.writeHead(204).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await worker?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await h?.close();
  });

  const statusCalls = async () =>
    (await h.control<{ calls: Record<string, number> }>('GET', '/_emulator/stats')).calls.endBiometry ?? 0;

  it('a user who takes two seconds costs one status call, although the fast schedule polls every 100 ms', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/verified`;
    worker = await startWorker(
      h.config({
        WEBHOOK_PUBLIC_URL: url,
        POLL_INITIAL_INTERVAL_MS: '100',
        POLL_WEBHOOK_INTERVAL_MS: String(BACKUP_POLL_MS),
        POLL_MAX_INTERVAL_MS: '500',
      }),
    );
    await h.scenario({
      user: { outcome: 'accept', afterMs: 2_000 },
      webhook: { enabled: true, dropRate: 0 },
    });
    const before = await statusCalls();
    const events = await Promise.all([h.request(), h.request(), h.request()]);
    for (const e of events) await h.publishEnrollment(e);
    for (const e of events) await h.waitForStatus(e.subject, ['completed'], 30_000);
    expect((await statusCalls()) - before).toBe(events.length);
  });
});

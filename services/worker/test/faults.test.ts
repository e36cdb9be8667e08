import { sharedKeys } from '@verified-onboard/contracts';
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, Keyring } from '@verified-onboard/events';
import { SelfieVault } from '@verified-onboard/adapters';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../src/worker-app.js';
import { emulatorAccounts, useHarness } from './support/harness.js';

const ENDPOINTS = [
  'token',
  'beginBiometry',
  'endBiometry',
  'createAccount',
  'proofedCredential',
  'bioCredential',
] as const;

describe('upstream faults delay but never lose or duplicate an enrollment', () => {
  const h = useHarness('worker-faults');
  let worker: RunningWorker;

  beforeAll(async () => {
    // A short client timeout turns the emulator's held requests into quick UpstreamTimeoutErrors; many
    // attempts with a short backoff keep the (random) fault streaks from exhausting an enrollment.
    worker = await h.startWorker({
      VERIFIED_TIMEOUT_MS: '400',
      WORKER_JOB_ATTEMPTS: '30',
      WORKER_BACKOFF_MAX_MS: '300',
    });
  });

  it('5xx, 429 with Retry-After, timeouts and after-effect faults on every endpoint', async () => {
    // The effect happens, then the call fails: the retry meets "already exists" for its own earlier effect.
    const afterEffect: ReadonlySet<string> = new Set(['createAccount', 'proofedCredential', 'bioCredential']);
    const faults = Object.fromEntries(
      ENDPOINTS.map((e) => [
        e,
        {
          rate5xx: 0.15,
          rate429: 0.05,
          retryAfterSec: 1,
          rateTimeout: 0.05,
          afterEffect: afterEffect.has(e),
        },
      ]),
    );
    await h.scenario({ user: { outcome: 'accept', afterMs: { min: 0, max: 300 } }, faults });

    const vault = new SelfieVault(h.redis, {
      prefix: sharedKeys(h.names.queuePrefix).selfieVault,
      key: Keyring.from(h.config().keyring),
    });
    const events = [];
    // 40 enrollments make "no fault of some kind ever fired" vanishingly unlikely (< 1e-4), so the checks below are not flaky.
    for (let i = 0; i < 40; i++) {
      if (i % 4 === 3) {
        const stored = await vault.put(Buffer.from(`selfie-${randomUUID()}`).toString('base64'));
        events.push(
          await h.request({
            mode: 'import',
            priority: 'batch',
            selfie: { ref: stored.ref, digest: stored.digest, dataType: 1 },
          }),
        );
      } else {
        events.push(await h.request({ priority: i % 2 === 0 ? 'interactive' : 'batch' }));
      }
    }
    await h.producer.publish('enrollmentEvents', events);

    for (const e of events) await h.waitForStatus(e.subject, ['completed'], 90_000);

    const stats = await h.control<{
      calls: Record<string, number>;
      duplicateCreates: { account: number; credential: number };
    }>('GET', '/_emulator/stats');
    const accounts = await emulatorAccounts(h);
    for (const e of events) {
      const account = accounts.get(e.data.accountNumber);
      expect(account, e.data.accountNumber).toMatchObject({ credentials: 1 });
      const stream = await h.readModel.events(e.subject);
      expect(stream.filter((x) => x.type === EVENT_TYPES.completed)).toHaveLength(1);
      expect(stream.filter((x) => x.type === EVENT_TYPES.failed)).toHaveLength(0);
      expect(new Set(stream.map((x) => x.id)).size).toBe(stream.length);
    }
    expect(accounts.size).toBeGreaterThanOrEqual(events.length);
    // The faults did fire (otherwise this test would prove nothing).
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/outcome="upstream_unavailable"/);
    expect(metrics).toMatch(/outcome="rate_limited"/);
    expect(metrics).toMatch(/outcome="upstream_timeout"/);
    // Some create succeeded upstream and still failed to us; its retry found its own account (no conflict, no duplicate).
    expect([...accounts.values()].some((a) => a.createAttempts > 1)).toBe(true);
    expect(stats.calls.createAccount).toBeGreaterThanOrEqual(events.length);
  }, 120_000);
});

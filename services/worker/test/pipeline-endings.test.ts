import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, Keyring } from '@verified-onboard/events';
import { describe, expect, it } from 'vitest';
import { emulatorAccounts, opsRetry, upstreamCalls } from './support/harness.js';
import { usePipeline } from './support/pipeline.js';

// The worker pipeline against the emulator, the enrollments that do not complete: the capture ends without a
// selfie, the account belongs to someone else, or a step gives up and an ops retry resumes it.

describe('worker pipeline: enrollments that end without completing', () => {
  const p = usePipeline('worker-pipeline-endings');
  const { h } = p;

  it('a capture that fails for good (account conflict) forgets its TempId and capture URL', async () => {
    await p.scenario();
    const accountNumber = await p.takenAccount();
    const e = await p.submit({ mode: 'capture', accountNumber, accountNumberGenerated: false });
    const s = await h.waitForStatus(e.subject, ['failed']);
    expect(s.failure).toMatchObject({ step: 'account', code: 'account_conflict', retryable: false });
    expect(s.operationId).toBeDefined();
    await p.secretsForgotten(e.subject);
  });

  it('upstream statuses 2..5 end in rejected, expired, errored and canceled', async () => {
    await p.scenario({ outcome: 'never', afterMs: 0 });
    const expected = { 2: 'rejected', 3: 'expired', 4: 'errored', 5: 'canceled' } as const;
    const submitted = await Promise.all(
      ([2, 3, 4, 5] as const).map(async (status) => ({ status, event: await p.submit() })),
    );
    for (const { status, event } of submitted) {
      const op = await p.operationIdOf(event.subject);
      // The api serves the capture URL from here, sealed under its key; it lives until the operation times out.
      const urlKey = h.keys.captureUrlSecret(event.subject);
      const sealed = await h.redis.get(urlKey);
      assert.ok(sealed);
      expect(sealed).not.toMatch(/http|[?&]s=/); // base64 itself may end in "s="
      expect(Keyring.from(h.config().keyring).openText(sealed, urlKey)).toMatch(
        new RegExp(`^${h.emulator.baseUrl}/?\\?i=${op}&s=.+`),
      );
      expect(await h.redis.pttl(urlKey)).toBeGreaterThan(3_000_000);
      await h.control('POST', `/_emulator/operations/${op}/complete`, {
        Status: status,
        Message: `forced ${status}`,
      });
    }
    for (const { status, event } of submitted) {
      const s = await h.waitForStatus(event.subject, [expected[status]]);
      expect(s.upstreamStatus).toBe(status);
      expect((await emulatorAccounts(h)).has(event.data.accountNumber)).toBe(false);
      await p.secretsForgotten(event.subject);
    }
  });

  it('a capture nobody answers reaches expired', async () => {
    await p.scenario({ outcome: 'never', afterMs: 0 });
    const e = await p.submit({ timeoutSec: 1 });
    const s = await h.waitForStatus(e.subject, ['expired']);
    expect(s.upstreamStatus).toBe(3);
    await p.operationIdOf(e.subject);
    await p.secretsForgotten(e.subject);
  });

  it('an account that exists and is not ours fails the enrollment with account_conflict', async () => {
    await p.scenario();
    const accountNumber = await p.takenAccount();
    const e = await p.submitImport(Buffer.from(`selfie-${randomUUID()}`), {
      accountNumber,
      accountNumberGenerated: false,
    });
    const s = await h.waitForStatus(e.subject, ['failed']);
    expect(s.failure).toMatchObject({
      step: 'account',
      code: 'account_conflict',
      retryable: false,
      attempts: 1,
    });
    expect((await emulatorAccounts(h)).get(accountNumber)).toMatchObject({ credentials: 0 });
  });

  it('exhausted retries emit one failed event; an ops retry resumes at the failed step only', async () => {
    const { e, failed } = await p.failedAtAccount();
    expect(failed.failure).toMatchObject({
      step: 'account',
      code: 'upstream_unavailable',
      retryable: true,
      attempts: 3,
    });
    // A retryable failure keeps the TempId: the retry's credential step needs it.
    const tempId = await h.redis.get(h.keys.tempIdSecret(e.subject));
    assert.ok(tempId);
    expect(tempId).not.toContain('tempId');
    const beginCalls = await upstreamCalls(h, 'beginBiometry');

    await p.scenario();
    const retried = opsRetry(e, failed, 'account', 'upstream recovered');
    await h.publishEnrollment(retried);
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types.filter((t) => t === EVENT_TYPES.failed)).toHaveLength(1);
    expect(types.filter((t) => t === EVENT_TYPES.captureStarted)).toHaveLength(1);
    expect(await upstreamCalls(h, 'beginBiometry')).toBe(beginCalls);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
  });
});

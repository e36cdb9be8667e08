import type { RequestedData } from '@verified-onboard/events';
import type { VerifiedClient } from '@verified-onboard/verified-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { TempIdTooOldError } from '../src/errors.js';
import { stepJobData, type PollProgress, type StepJobData } from '../src/pipeline/job-data.js';
import { TEMPID_LIFETIME_MS, type SecretStore } from '../src/pipeline/secrets.js';
import type { StepContext, StepJob } from '../src/pipeline/step-contract.js';
import { credentialStep } from '../src/processors/credential.js';
import { pollStep } from '../src/processors/poll.js';
import type { HintBook } from '../src/pipeline/hint-book.js';
import type { EffectIntents } from '../src/stores/effect-intents.js';
import type { OperationRecord, OperationStore } from '../src/stores/operation-store.js';

// Pure decisions of the steps, with the collaborators faked (the integration tests run them for real).

const NOW = Date.parse('2030-01-01T00:00:00Z');
const request: RequestedData = {
  enrollmentId: 'e-1',
  accountNumber: 'acct-1',
  accountNumberGenerated: true,
  displayName: 'Test',
  transport: 'inline',
  checkLiveness: true,
  timeoutSec: 60,
  mode: 'capture',
  priority: 'interactive',
  requestedAt: new Date(NOW).toISOString(),
};

/** A fake collaborator's method that answers `value`. */
const answers =
  <T>(value: T) =>
  () =>
    Promise.resolve(value);

/** The upstream's answer while the person has not finished the capture. */
const pending = {
  getForeignBiometry: answers({
    operationId: 'op-1',
    status: 0 as const,
    oneTimeSecret: null,
    tempId: null,
    message: null,
    startDate: null,
    endDate: null,
  }),
};

function job(data: Partial<StepJobData> = {}): StepJob {
  return {
    data: {
      ...stepJobData(request, {
        enrollmentId: 'e-1',
        generation: 0,
        nextSequence: 3,
        correlationId: 'c',
        causationId: null,
        admission: 'continuing',
      }),
      ...data,
    },
  } as StepJob;
}

function context(overrides: {
  client?: Partial<VerifiedClient>;
  secrets?: Partial<SecretStore>;
  operation?: OperationRecord;
  webhooksActive?: boolean;
}): { ctx: StepContext; calls: string[] } {
  const calls: string[] = [];
  const client = new Proxy(overrides.client ?? {}, {
    get: (target, prop: string) =>
      (target as Record<string, unknown>)[prop] ??
      (() => {
        calls.push(prop);
        return Promise.resolve();
      }),
  }) as VerifiedClient;
  const ctx = {
    config: loadConfig({ ALLOW_DEV_DEFAULTS: '1' }),
    client,
    intents: {
      claimCredential: answers({ ours: true, fresh: true, owner: 'e-1' }),
    } as unknown as EffectIntents,
    operations: { operation: answers(overrides.operation ?? null) } as unknown as OperationStore,
    secrets: { tempId: answers(null), ...overrides.secrets } as SecretStore,
    selfies: { get: answers(null) },
    requests: { get: answers(request) },
    hints: { clear: answers(undefined), take: answers(false) } as unknown as HintBook,
    webhooks: { active: overrides.webhooksActive ?? false },
    now: () => NOW,
  } satisfies StepContext;
  return { ctx, calls };
}

describe('credential step: TempId age', () => {
  it('fails with tempid_expired, without calling the upstream, when the TempId is 72 h old', async () => {
    const { ctx, calls } = context({
      secrets: { tempId: answers({ tempId: 't', obtainedAt: NOW - TEMPID_LIFETIME_MS }) },
    });
    await expect(credentialStep(job(), ctx)).rejects.toBeInstanceOf(TempIdTooOldError);
    await expect(credentialStep(job(), ctx)).rejects.toMatchObject({
      code: 'tempid_expired',
      retryable: false,
    });
    expect(calls).toEqual([]);
  });

  it('uses a TempId younger than 72 h', async () => {
    const { ctx, calls } = context({
      secrets: { tempId: answers({ tempId: 't', obtainedAt: NOW - TEMPID_LIFETIME_MS + 60_000 }) },
    });
    const result = await credentialStep(job(), ctx);
    expect(calls).toEqual(['createProofedBiometricCredential']);
    expect(result).toEqual({
      kind: 'observed',
      observation: {
        type: 'CredentialAttached',
        accountNumber: 'acct-1',
        kind: 'proofed',
        replacedPrevious: false,
      },
    });
  });
});

/** One poll of the pending operation `operation`, `progress` being the polls so far. */
function pollPending(
  progress: PollProgress,
  options: { operation: OperationRecord; webhooksActive?: boolean },
) {
  const { ctx } = context({ client: pending, ...options });
  return pollStep(job({ poll: progress }), ctx);
}

/** Still pending: parked, looked at again after `delayMs`, with one more poll counted. */
function stillPending(delayMs: number, progress: PollProgress) {
  return {
    kind: 'pending',
    recheckInMs: delayMs,
    poll: { ...progress, previousDelayMs: delayMs, count: progress.count + 1 },
  };
}

describe('poll step: deadline', () => {
  const operation: OperationRecord = {
    operationId: 'op-1',
    kind: 'foreign',
    startedAt: NOW - 120_000,
    expiresAt: NOW - 61_000,
  };

  it('stops polling after the operation timeout plus grace and reports expired', async () => {
    const result = await pollPending(
      { startedAt: NOW - 120_000, previousDelayMs: 5_000, count: 10 },
      { operation },
    );
    expect(result).toEqual({
      kind: 'observed',
      observation: { type: 'PollDeadlinePassed', operationId: 'op-1' },
    });
  });

  it('re-delays the same job while the operation is pending and within its time', async () => {
    const progress = { startedAt: NOW - 10_000, previousDelayMs: 5_000, count: 2 };
    expect(await pollPending(progress, { operation: { ...operation, expiresAt: NOW + 3600_000 } })).toEqual(
      stillPending(5_000, progress),
    );
  });
});

describe('poll timing follows the webhook registration', () => {
  const operation: OperationRecord = {
    operationId: 'op-1',
    kind: 'foreign',
    startedAt: NOW,
    expiresAt: NOW + 3600_000,
  };
  it('a pending poll re-delays by the backup interval while webhooks are registered', async () => {
    const progress = { startedAt: NOW - 10_000, previousDelayMs: 60_000, count: 1 };
    expect(await pollPending(progress, { operation, webhooksActive: true })).toEqual(
      stillPending(60_000, progress),
    );
  });
});

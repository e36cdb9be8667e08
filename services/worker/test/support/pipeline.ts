import { sharedKeys } from '@verified-onboard/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { ENROLLMENT_STATUSES, EVENT_TYPES, Keyring } from '@verified-onboard/events';
import { SelfieVault } from '@verified-onboard/adapters';
import { VerifiedClient } from '@verified-onboard/verified-client';
import { beforeAll } from 'vitest';
import type { RunningWorker } from '../../src/worker-app.js';
import { LogCapture, useHarness, useWebhookStandIn, type FileHarness, type Harness } from './harness.js';

// The setup the pipeline-*.test.ts files share: one worker per file against the emulator, its webhook
// registered with a stand-in, its logs captured; and the submissions and probes their tests are written in.

export const WEBHOOK_SECRET = 'worker-test-webhook-secret';

/** Event types of a completed enrollment's stream, by their EVENT_TYPES keys. */
const stream = (...keys: (keyof typeof EVENT_TYPES)[]) => keys.map((key) => EVENT_TYPES[key]);
export const COMPLETED_STREAM = {
  capture: stream(
    'requested',
    'captureStarted',
    'captureCompleted',
    'accountCreated',
    'credentialAttached',
    'completed',
  ),
  import: stream('requested', 'accountCreated', 'credentialAttached', 'completed'),
  recapture: stream('requested', 'captureStarted', 'captureCompleted', 'credentialAttached', 'completed'),
};

type RequestOverrides = Parameters<Harness['request']>[0];

export interface WebhookDelivery {
  body: string;
  signature: string | undefined;
  operationId: string;
}

/** A file's pipeline: its harness, its running worker, and what the worker logged and delivered. */
export function usePipeline(label: string) {
  const h: FileHarness = useHarness(label);
  const logs = new LogCapture();
  const webhookDeliveries: WebhookDelivery[] = [];
  // A stand-in for the api's webhook route: proves registration (and signing) without feeding hints back.
  const webhook = useWebhookStandIn((body, signature) => {
    const { OperationId } = JSON.parse(body) as { OperationId: string };
    webhookDeliveries.push({ body, signature, operationId: OperationId });
  });
  let running: RunningWorker | undefined;

  beforeAll(async () => {
    running = await h.startWorker(
      {
        WEBHOOK_PUBLIC_URL: webhook.url(),
        VERIFIED_WEBHOOK_SECRET: WEBHOOK_SECRET,
        WORKER_JOB_ATTEMPTS: '3',
      },
      { logger: logs.logger('debug') },
    );
  });

  /** Every test sets the whole scenario it relies on, so that none depends on what an earlier one left. */
  async function scenario(
    user: { outcome: 'accept' | 'never'; afterMs: number } = { outcome: 'accept', afterMs: 0 },
    options: { webhookDropRate?: number; createAccountFails?: boolean } = {},
  ) {
    await h.scenario({
      user,
      webhook: { enabled: true, dropRate: options.webhookDropRate ?? 0 },
      faults: { createAccount: options.createAccountFails ? { rate5xx: 1 } : null },
    });
  }

  async function submit(overrides: RequestOverrides = {}) {
    const event = await h.request(overrides);
    await h.publishEnrollment(event);
    return event;
  }

  async function submitImport(image: Buffer, overrides: RequestOverrides = {}) {
    const vault = new SelfieVault(h.redis, {
      prefix: sharedKeys(h.names.queuePrefix).selfieVault,
      key: Keyring.from(h.config().keyring),
    });
    const stored = await vault.put(image.toString('base64'));
    return submit({
      mode: 'import',
      selfie: { ref: stored.ref, digest: stored.digest, dataType: 1 },
      ...overrides,
    });
  }

  /** The upstream operation of an enrollment once its capture began. */
  async function operationIdOf(enrollmentId: string): Promise<string> {
    const s = await h.waitForStatus(
      enrollmentId,
      ENROLLMENT_STATUSES.filter((status) => status !== 'requested'),
    );
    assert.ok(s.operationId);
    return s.operationId;
  }

  async function completedCapture() {
    const e = await submit({ mode: 'capture' });
    await h.waitForStatus(e.subject, ['completed']);
    return { e, operationId: await operationIdOf(e.subject) };
  }

  /** An enrollment whose account step fails every attempt; the fault stays until the caller clears it. */
  async function failedAtAccount() {
    await scenario(undefined, { createAccountFails: true });
    const e = await submit();
    const failed = await h.waitForStatus(e.subject, ['failed']);
    return { e, failed };
  }

  /** An account number someone else already holds upstream. */
  async function takenAccount(): Promise<string> {
    const accountNumber = `taken-${randomUUID()}`;
    const client = new VerifiedClient({
      baseUrl: h.emulator.baseUrl,
      apiKeyId: 'emulator-key-id',
      apiKeyValue: 'emulator-key-value',
    });
    await client.createAccount({ accountNumber, displayName: 'Someone else' });
    await client.close();
    return accountNumber;
  }

  /** How many of `keys` exist, one EXISTS a key: they sit in different Redis Cluster hash slots. */
  async function existing(keys: string[]): Promise<number> {
    const found = await Promise.all(keys.map((key) => h.redis.exists(key)));
    return found.reduce((sum, n) => sum + n, 0);
  }

  /** A terminal enrollment keeps neither its TempId nor its capture URL (the step runner deletes both). */
  async function secretsForgotten(enrollmentId: string) {
    await waitFor(
      `the TempId and capture URL of ${enrollmentId} deleted`,
      async () =>
        (await existing([h.keys.tempIdSecret(enrollmentId), h.keys.captureUrlSecret(enrollmentId)])) === 0,
    );
  }

  return {
    h,
    logs,
    webhookDeliveries,
    worker: (): RunningWorker => {
      assert.ok(running, 'the worker starts before the first test');
      return running;
    },
    scenario,
    submit,
    submitImport,
    operationIdOf,
    completedCapture,
    failedAtAccount,
    takenAccount,
    existing,
    secretsForgotten,
  };
}

import { randomUUID } from 'node:crypto';
import { waitFor } from '@verified-onboard/devstack';
import { EVENT_TYPES } from '@verified-onboard/events';
import { verifyWebhookSignature } from '@verified-onboard/verified-client';
import { describe, expect, it } from 'vitest';
import { emulatorAccounts } from './support/harness.js';
import { COMPLETED_STREAM, usePipeline, WEBHOOK_SECRET } from './support/pipeline.js';

// The worker pipeline against the emulator, each mode from the request to the completed enrollment.

describe('worker pipeline: each mode completes', () => {
  const p = usePipeline('worker-pipeline-modes');
  const { h } = p;

  it('registers the webhook at start with the configured secret', async () => {
    await p.scenario();
    await p.completedCapture();
    const delivery = await waitFor('a webhook delivery', () => p.webhookDeliveries[0]);
    expect(verifyWebhookSignature(delivery.body, delivery.signature, WEBHOOK_SECRET)).toBe(true);
  });

  it('capture: completes with exactly one account and one proofed credential', async () => {
    await p.scenario({ outcome: 'accept', afterMs: 200 });
    const e = await p.submit({ mode: 'capture' });
    const s = await h.waitForStatus(e.subject, ['completed']);
    await p.operationIdOf(e.subject);
    const events = await h.readModel.events(e.subject);
    expect(events.map((x) => x.type)).toEqual(COMPLETED_STREAM.capture);
    expect(events.map((x) => x.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((x) => x.correlationid === e.correlationid)).toBe(true);
    // The causation chain links each event to the one before it.
    expect(events.slice(1).map((x) => x.causationid)).toEqual(events.slice(0, -1).map((x) => x.id));
    const account = (await emulatorAccounts(h)).get(e.data.accountNumber);
    expect(account).toMatchObject({ credentials: 1, credentialKind: 'proofed' });
    expect(s.status).toBe('completed');
    // Secrets have no use after completion and are gone.
    expect(await h.redis.exists(h.keys.tempIdSecret(e.subject))).toBe(0);
  });

  it('import: completes from the stored selfie with a biometric credential', async () => {
    await p.scenario();
    const e = await p.submitImport(Buffer.from(`not-really-a-jpeg-${randomUUID()}`));
    await h.waitForStatus(e.subject, ['completed']);
    const types = (await h.readModel.events(e.subject)).map((x) => x.type);
    expect(types).toEqual(COMPLETED_STREAM.import);
    expect((await emulatorAccounts(h)).get(e.data.accountNumber)).toMatchObject({
      credentials: 1,
      credentialKind: 'biometric',
    });
  });

  it('recapture: replaces the credential of an existing account (one account, one credential)', async () => {
    await p.scenario();
    const { e: first } = await p.completedCapture();
    const again = await p.submit({
      mode: 'recapture',
      accountNumber: first.data.accountNumber,
      accountNumberGenerated: false,
    });
    await h.waitForStatus(again.subject, ['completed']);
    await p.operationIdOf(again.subject);
    const events = await h.readModel.events(again.subject);
    expect(events.map((x) => x.type)).toEqual(COMPLETED_STREAM.recapture);
    expect(events.find((x) => x.type === EVENT_TYPES.credentialAttached)?.data).toMatchObject({
      replacedPrevious: true,
      kind: 'proofed',
    });
    const account = (await emulatorAccounts(h)).get(first.data.accountNumber);
    expect(account).toMatchObject({ createAttempts: 1, credentials: 1, credentialCreates: 2 });
  });

  it('records the tenant that created an account as its owner (events from before tenants: default)', async () => {
    await p.scenario();
    const tenanted = await p.submit({ mode: 'capture', tenant: 'acme', requestedBy: 'acme-key' });
    const legacy = await p.submit({ mode: 'capture' });
    await h.waitForStatus(tenanted.subject, ['completed']);
    await h.waitForStatus(legacy.subject, ['completed']);
    expect(await h.redis.get(h.keys.accountOwner(tenanted.data.accountNumber))).toBe('acme');
    expect(await h.redis.get(h.keys.accountOwner(legacy.data.accountNumber))).toBe('default');
  });

  it('with webhooks dropped, polling alone completes the enrollment', async () => {
    await p.scenario({ outcome: 'accept', afterMs: 300 }, { webhookDropRate: 1 });
    const e = await p.submit();
    await h.waitForStatus(e.subject, ['completed']);
    const op = await p.operationIdOf(e.subject);
    expect(p.webhookDeliveries.filter((d) => d.operationId === op)).toEqual([]);
  });
});

import { sharedKeys } from '@verified-onboard/contracts';
import assert from 'node:assert/strict';
import { keysMatching, waitFor } from '@verified-onboard/devstack';
import { Keyring } from '@verified-onboard/events';
import { describe, expect, it } from 'vitest';
import { usePipeline } from './support/pipeline.js';

// The worker pipeline against the emulator: no secret (capture URL, TempId, OneTimeSecret, vendor token,
// selfie) is ever kept in clear in Redis or written to a log line.

/** Imported by the logs test: its base64 must never reach a log line. */
const SELFIE_BYTES = Buffer.from('selfie-bytes');

describe('worker pipeline: secrets stay secret', () => {
  const p = usePipeline('worker-pipeline-secrets');
  const { h } = p;

  /** Every key under `pattern` with every value it holds, whatever its type, as one text. */
  async function dumpRedis(pattern: string): Promise<string> {
    const parts: string[] = [];
    for (const key of await keysMatching(h.redis, pattern)) {
      const type = await h.redis.type(key);
      let values: unknown;
      if (type === 'string') values = (await h.redis.getBuffer(key))?.toString('latin1');
      else if (type === 'hash') values = await h.redis.hgetall(key);
      else if (type === 'list') values = await h.redis.lrange(key, 0, -1);
      else if (type === 'set') values = await h.redis.smembers(key);
      else if (type === 'zset') values = await h.redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'stream') values = await h.redis.xrange(key, '-', '+');
      parts.push(`${key} ${JSON.stringify(values)}`);
    }
    return parts.join('\n');
  }

  /** The OneTimeSecrets and TempIds the emulator issued for `operationId`. */
  async function upstreamSecretsOf(operationId: string): Promise<string[]> {
    const record = await h.control<Record<string, unknown>>('GET', `/_emulator/operations/${operationId}`);
    return Object.entries(record)
      .filter(([k, v]) => /secret|tempid/i.test(k) && typeof v === 'string' && v.length > 0)
      .map(([, v]) => v as string);
  }

  it('keeps no capture URL, TempId, OneTimeSecret or vendor token in clear anywhere under its Redis prefix', async () => {
    const { e: failed } = await p.failedAtAccount(); // retryable: its TempId stays for the retry
    await p.scenario({ outcome: 'never', afterMs: 0 });
    const pending = await p.submit(); // capture_pending: its capture URL stays until the operation times out
    const ops = [await p.operationIdOf(failed.subject), await p.operationIdOf(pending.subject)];
    const stored = [h.keys.tempIdSecret(failed.subject), h.keys.captureUrlSecret(pending.subject)];
    await waitFor('the TempId and the capture URL stored', async () => (await p.existing(stored)) === 2);
    const [pairKey] = await keysMatching(h.redis, `${sharedKeys(h.names.queuePrefix).upstreamTokens}*:pair`);
    assert.ok(pairKey, 'the vendor token pair is cached in Redis');
    const sealedAccess = await h.redis.hget(pairKey, 'accessToken');
    assert.ok(sealedAccess);
    const accessToken = Keyring.from(h.config().keyring).openText(sealedAccess, `${pairKey}#access`);
    assert.ok(accessToken);

    const secrets = [accessToken];
    for (const op of ops) secrets.push(...(await upstreamSecretsOf(op)));
    expect(secrets.length).toBeGreaterThanOrEqual(4); // the token, both OneTimeSecrets, the TempId
    // The key namespace and the queue's own keys (BullMQ's prefix is the hash-tagged `{prefix}`).
    const dump = [
      await dumpRedis(`${h.names.queuePrefix}:*`),
      await dumpRedis(`${h.config().queuePrefix}:*`),
    ].join('\n');
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(dump).not.toMatch(/[?&]s=/);
    await p.scenario();
  });

  it('never writes a OneTimeSecret, TempId, token or selfie to the logs', async () => {
    await p.scenario();
    const imported = await p.submitImport(SELFIE_BYTES);
    const captures = await Promise.all([1, 2, 3, 4].map(() => p.completedCapture()));
    await h.waitForStatus(imported.subject, ['completed']);
    const text = p.logs.text();
    expect(text).toContain('step done');
    for (const { operationId } of captures)
      for (const secret of await upstreamSecretsOf(operationId)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Bearer\s/);
    expect(text).not.toContain(SELFIE_BYTES.toString('base64'));
    expect(text).not.toMatch(/[?&]s=/);
  });
});

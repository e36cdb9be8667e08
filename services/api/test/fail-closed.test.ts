// The api process fails closed: outside development (no ALLOW_DEV_DEFAULTS) it starts only with every secret set,
// long enough and not a published default; in development it listens on 127.0.0.1 and never logs a secret.
import { randomUUID } from 'node:crypto';
import {
  freePort,
  isolatedNames,
  isPortOpen,
  startEntryUntilHealthy,
  testInfra,
  type EntryProcess,
} from '@verified-onboard/devstack';
import { DEV_API_KEY, DEV_SELFIE_ENCRYPTION_KEY, DEV_WEBHOOK_SECRET } from '@verified-onboard/events';
import { afterEach, describe, expect, it } from 'vitest';

const ENTRY = 'services/api/src/main.ts';
const started: EntryProcess[] = [];

async function baseEnv(): Promise<Record<string, string>> {
  const infra = testInfra();
  const names = isolatedNames('api-fail-closed');
  return {
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: names.topicPrefix,
    QUEUE_PREFIX: names.queuePrefix,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    API_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
}

/** Starts the real entry point; resolves with its exit code, or 'listening' once /healthz answers. */
async function start(env: Record<string, string>) {
  const run = await startEntryUntilHealthy(ENTRY, env, `http://127.0.0.1:${env.API_PORT}/healthz`, 'the api');
  started.push(run.p);
  return run;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

describe('the api process without ALLOW_DEV_DEFAULTS', () => {
  it('exits 2 and names each missing secret on stderr', async () => {
    const { p, outcome } = await start({ ...(await baseEnv()), NODE_ENV: 'development' });
    expect(outcome).toBe(2);
    const lines = p.stderr().split('\n');
    for (const variable of ['API_KEYS', 'SELFIE_ENCRYPTION_KEY', 'VERIFIED_WEBHOOK_SECRET'])
      expect(
        lines.some((line) => line.startsWith(`${variable}: is not set`)),
        variable,
      ).toBe(true);
  });

  it('refuses a 31-byte secret and the published development defaults, never echoing a value', async () => {
    const short = 's'.repeat(31);
    const { p, outcome } = await start({
      ...(await baseEnv()),
      API_KEYS: `ops-1:${short}:ops`,
      SELFIE_ENCRYPTION_KEY: DEV_SELFIE_ENCRYPTION_KEY,
      VERIFIED_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
    });
    expect(outcome).toBe(2);
    const stderr = p.stderr();
    expect(stderr).toContain('API_KEYS: holds a secret shorter than 32 bytes');
    expect(stderr).toContain('SELFIE_ENCRYPTION_KEY: holds a published development default');
    expect(stderr).toContain('VERIFIED_WEBHOOK_SECRET: holds a published development default');
    for (const value of [short, DEV_SELFIE_ENCRYPTION_KEY, DEV_WEBHOOK_SECRET])
      expect(stderr).not.toContain(value);
  });

  it('starts once every secret is set', async () => {
    const { outcome } = await start({
      ...(await baseEnv()),
      API_HOST: '127.0.0.1',
      API_KEYS: `ops-1:${'s'.repeat(32)}:ops`,
      SELFIE_ENCRYPTION_KEY: 'ab'.repeat(32),
      VERIFIED_WEBHOOK_SECRET: 'w'.repeat(32),
    });
    expect(outcome).toBe('listening');
  });
});

describe('the api process with ALLOW_DEV_DEFAULTS=1', () => {
  it('listens on 127.0.0.1 only and names the dev key id, never the dev secret, in its log', async () => {
    const env: Record<string, string> = { ...(await baseEnv()), ALLOW_DEV_DEFAULTS: '1' };
    const { p, outcome } = await start(env);
    expect(outcome).toBe('listening');
    // 127.0.0.2 reaches this host's loopback too: a socket on 0.0.0.0 would answer it, one on 127.0.0.1 does not.
    expect(await isPortOpen(Number(env.API_PORT), '127.0.0.2')).toBe(false);
    const authorized = await fetch(`http://127.0.0.1:${env.API_PORT}/v1/enrollments/${randomUUID()}`, {
      headers: { authorization: `Bearer ${DEV_API_KEY.keyId}:${DEV_API_KEY.secret}` },
    });
    expect(authorized.status).toBe(404);
    await p.stop();
    const log = p.stdout() + p.stderr();
    expect(log).toContain(DEV_API_KEY.keyId);
    expect(log).toContain('ALLOW_DEV_DEFAULTS');
    expect(log).not.toContain(DEV_API_KEY.secret);
    expect(log).not.toContain(DEV_SELFIE_ENCRYPTION_KEY);
    expect(log).not.toContain(DEV_WEBHOOK_SECRET);
  });
});

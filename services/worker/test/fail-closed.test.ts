// The worker process fails closed: outside development (no ALLOW_DEV_DEFAULTS) it starts only with every secret
// set, long enough and not a published default, and an https vendor URL; in development its metrics listen on
// 127.0.0.1.
import { freePort, isPortOpen, startEntryUntilHealthy, type EntryProcess } from '@verified-onboard/devstack';
import { DEV_SELFIE_ENCRYPTION_KEY, DEV_VENDOR_KEY } from '@verified-onboard/events';
import { afterEach, describe, expect, it } from 'vitest';
import { useHarness } from './support/harness.js';

const ENTRY = 'services/worker/src/main.ts';
const started: EntryProcess[] = [];

/** Starts the real entry point; resolves with its exit code, or 'listening' once /healthz answers. */
async function start(env: Record<string, string>) {
  const run = await startEntryUntilHealthy(
    ENTRY,
    env,
    `http://127.0.0.1:${env.WORKER_METRICS_PORT}/healthz`,
    'the worker',
  );
  started.push(run.p);
  return run;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

describe('the worker process', () => {
  const h = useHarness('worker-fail-closed');
  /** The harness's environment without the switch and without any secret or listen host. */
  const withoutDevDefaults = async () => {
    const {
      ALLOW_DEV_DEFAULTS: _switch,
      VERIFIED_BASE_URL: _url,
      WORKER_METRICS_HOST: _host,
      ...rest
    } = h.env;
    return { ...rest, WORKER_METRICS_PORT: String(await freePort()), LOG_LEVEL: 'info' };
  };

  it('without ALLOW_DEV_DEFAULTS exits 2 and names each missing secret on stderr', async () => {
    const { p, outcome } = await start({ ...(await withoutDevDefaults()), NODE_ENV: 'development' });
    expect(outcome).toBe(2);
    const lines = p.stderr().split('\n');
    for (const variable of [
      'VERIFIED_WEBHOOK_SECRET',
      'SELFIE_ENCRYPTION_KEY',
      'VERIFIED_API_KEY_ID',
      'VERIFIED_API_KEY_VALUE',
      'VERIFIED_BASE_URL',
    ])
      expect(
        lines.some((line) => line.startsWith(`${variable}: is not set`)),
        variable,
      ).toBe(true);
  });

  it('refuses a 31-byte webhook secret, the emulator key pair, the dev selfie key and http, never echoing a value', async () => {
    const short = 's'.repeat(31);
    const { p, outcome } = await start({
      ...(await withoutDevDefaults()),
      VERIFIED_WEBHOOK_SECRET: short,
      SELFIE_ENCRYPTION_KEY: DEV_SELFIE_ENCRYPTION_KEY,
      VERIFIED_API_KEY_ID: DEV_VENDOR_KEY.keyId,
      VERIFIED_API_KEY_VALUE: DEV_VENDOR_KEY.keyValue,
      VERIFIED_BASE_URL: h.emulator.baseUrl,
    });
    expect(outcome).toBe(2);
    const stderr = p.stderr();
    expect(stderr).toContain('VERIFIED_WEBHOOK_SECRET: holds a secret shorter than 32 bytes');
    expect(stderr).toContain('SELFIE_ENCRYPTION_KEY: holds a published development default');
    expect(stderr).toContain('VERIFIED_API_KEY_ID: holds a published development default');
    expect(stderr).toContain('VERIFIED_API_KEY_VALUE: holds a published development default');
    expect(stderr).toContain('VERIFIED_BASE_URL: must be an https: URL');
    for (const value of [short, DEV_SELFIE_ENCRYPTION_KEY, DEV_VENDOR_KEY.keyValue])
      expect(stderr).not.toContain(value);
  });

  it('with ALLOW_DEV_DEFAULTS=1 starts on the emulator with its metrics on 127.0.0.1 only', async () => {
    const env = {
      ...(await withoutDevDefaults()),
      ALLOW_DEV_DEFAULTS: '1',
      VERIFIED_BASE_URL: h.emulator.baseUrl,
    };
    const { p, outcome } = await start(env);
    expect(outcome).toBe('listening');
    // 127.0.0.2 reaches this host's loopback too: a socket on 0.0.0.0 would answer it, one on 127.0.0.1 does not.
    expect(await isPortOpen(Number(env.WORKER_METRICS_PORT), '127.0.0.2')).toBe(false);
    await p.stop();
    const log = p.stdout() + p.stderr();
    expect(log).toContain('ALLOW_DEV_DEFAULTS');
    expect(log).not.toContain(DEV_SELFIE_ENCRYPTION_KEY);
    expect(log).not.toContain(DEV_VENDOR_KEY.keyValue);
  });
});

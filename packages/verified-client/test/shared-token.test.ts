import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  deleteKeysWithPrefix,
  isolatedNames,
  redisClient,
  testInfra,
  waitFor,
} from '@verified-onboard/devstack';
import { startEmulator, type RunningEmulator } from '@verified-onboard/verified-emulator';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl } from './helpers/emulator-control.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/token-hammer.ts', import.meta.url));
const names = isolatedNames('verified-shared-token');
const API_KEY_ID = 'shared-key-id';
const API_KEY_VALUE = 'shared-key-value';

interface ChildReport {
  ok: number;
  failures: string[];
  outcomes: Record<string, Record<string, number>>;
}

interface Hammer {
  child: ChildProcessWithoutNullStreams;
  started: Promise<void>;
  report: Promise<ChildReport>;
}

function spawnHammer(baseUrl: string): Hammer {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BASE_URL: baseUrl,
      REDIS_URL: testInfra().redisUrl,
      KEY_PREFIX: names.keyPrefix,
      API_KEY_ID,
      API_KEY_VALUE,
      CONCURRENCY: '4',
    },
  });
  let stdout = '';
  let stderr = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.includes('started\n')) markStarted();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`hammer exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(last) as ChildReport);
    });
  });
  // A child that dies before starting must fail the test, not hang it.
  void report.catch(() => markStarted());
  return { child, started, report };
}

let emulator: RunningEmulator;
let redis: Redis;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    apiKeyId: API_KEY_ID,
    apiKeyValue: API_KEY_VALUE,
    scenario: { tokenTtlSec: 1 },
  });
  redis = redisClient(testInfra().redisUrl);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, names.keyPrefix);
  redis.disconnect();
  await emulator?.close();
});

describe('token sharing across processes through Redis', () => {
  it('two processes with short-lived tokens authenticate once and never reuse a refresh token', async () => {
    const control = emulatorControl(emulator.baseUrl);
    const hammers = [spawnHammer(emulator.baseUrl), spawnHammer(emulator.baseUrl)];
    try {
      await Promise.all(hammers.map((h) => h.started));
      // Several token lifetimes, measured by the upstream's own count rather than by a clock.
      await waitFor('four refreshes', async () => ((await control.stats()).calls.refresh ?? 0) >= 4, {
        timeoutMs: 45_000,
      });
    } finally {
      for (const h of hammers) h.child.stdin.end();
    }
    const reports = await Promise.all(hammers.map((h) => h.report));
    const stats = await control.stats();

    for (const report of reports) {
      expect(report.failures).toEqual([]);
      expect(report.ok).toBeGreaterThan(0);
    }
    const refreshOutcomes = reports.map((r) => r.outcomes.refresh ?? {});
    const refreshFailures = refreshOutcomes.flatMap((o) =>
      Object.entries(o).filter(([outcome]) => outcome !== 'ok'),
    );
    expect(refreshFailures).toEqual([]);
    const refreshesSent = refreshOutcomes.reduce((sum, o) => sum + (o.ok ?? 0), 0);
    expect(stats.calls.refresh).toBe(refreshesSent);
    expect(stats.calls.token).toBe(1);
    const tokenCalls = reports.reduce((sum, r) => sum + (r.outcomes.token?.ok ?? 0), 0);
    expect(tokenCalls).toBe(1);
  });
});

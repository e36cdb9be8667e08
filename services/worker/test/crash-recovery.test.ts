import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { repoRoot, waitFor } from '@verified-onboard/devstack';
import { TERMINAL_STATUSES, type EnrollmentState } from '@verified-onboard/events';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorAccounts, useHarness } from './support/harness.js';

/** A real worker process, started exactly as in production (`npm start` of the package). */
function spawnWorker(env: Record<string, string>): ChildProcess & { output: string[] } {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', 'services/worker/src/main.ts'],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ) as ChildProcess & { output: string[] };
  child.output = [];
  assert.ok(child.stdout && child.stderr);
  child.stdout.on('data', (c: Buffer) => child.output.push(c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => child.output.push(c.toString('utf8')));
  return child;
}

const N = 30;

describe('a worker process killed mid-run', () => {
  const h = useHarness('worker-crash');
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('leaves every enrollment terminal after a restart, with no duplicate upstream effects; SIGTERM exits cleanly', async () => {
    const env = { ...h.env, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '8' };
    await h.scenario({
      user: { outcome: 'accept', afterMs: { min: 100, max: 1500 } },
      latencyMs: { min: 5, max: 40 },
    });
    const first = spawnWorker(env);
    children.push(first);

    const events = await Promise.all(
      Array.from({ length: N }, (_, i) => h.request({ priority: i % 3 === 0 ? 'batch' : 'interactive' })),
    );
    await h.producer.publish('enrollmentEvents', events);

    // Kill it while work is in flight: some enrollments done, others not.
    const isDone = async (id: string) =>
      TERMINAL_STATUSES.has(((await h.state(id)) ?? ({} as EnrollmentState)).status);
    await waitFor(
      'a few completed enrollments',
      async () => {
        const done = await Promise.all(events.map((e) => isDone(e.subject)));
        const n = done.filter(Boolean).length;
        return n >= 3 && n < N
          ? n
          : n === N
            ? Promise.reject(new Error('all finished before the kill'))
            : null;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    first.kill('SIGKILL');
    await once(first, 'exit');

    const second = spawnWorker(env);
    children.push(second);
    const states = await waitFor(
      'every enrollment terminal',
      async () => {
        const all = await Promise.all(events.map((e) => h.state(e.subject)));
        return all.every((s) => s && (TERMINAL_STATUSES.has(s.status) || s.status === 'failed'))
          ? (all as EnrollmentState[])
          : null;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(states.map((s) => s.status)).toEqual(events.map(() => 'completed'));

    const accounts = await emulatorAccounts(h);
    for (const e of events) {
      expect(accounts.get(e.data.accountNumber)).toMatchObject({ credentials: 1 });
      const stream = await h.readModel.events(e.subject);
      expect(new Set(stream.map((x) => x.sequence)).size).toBe(stream.length);
    }
    expect(accounts.size).toBe(N);

    // Graceful stop: SIGTERM ends the process on its own, well within the shutdown budget.
    const exited = once(second, 'exit');
    second.kill('SIGTERM');
    const [code] = (await Promise.race([
      exited,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`no exit after SIGTERM:\n${second.output.join('').slice(-2000)}`)),
          15_000,
        ),
      ),
    ])) as [number | null];
    expect(code).toBe(0);
    expect(second.output.join('')).toContain('worker stopped');
  }, 180_000);
});

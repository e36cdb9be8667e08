// `npm run up` then `npm run down` leaves no process of ours running and no port held; `up` is idempotent
// and restarts only what died. Runs the real scripts on free ports with a private state folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, isPortOpen, repoRoot, testInfra, waitFor } from '../src/index.js';

const localDir = mkdtempSync(join(tmpdir(), 'vo-stack-'));
const names = ['kafka', 'emulator', 'api', 'worker'] as const;
let env: NodeJS.ProcessEnv;
/** Every port the stack holds (Kafka's controller too), and the ones its parts listen on. */
let ports: number[];
let listening: number[];
let workerPort: number;

const stack = (command: 'up' | 'down') =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts/run.mjs'), command], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
  });
const pidOf = (name: string) => Number(readFileSync(join(localDir, 'pids', `${name}.pid`), 'utf8'));

beforeAll(async () => {
  const [kafka, emulator, api, worker] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  listening = [kafka, emulator, api, worker];
  workerPort = worker;
  ports = [kafka, kafka + 1, emulator, api, worker];
  env = {
    ...process.env,
    VO_LOCAL_DIR: localDir,
    REDIS_URL: testInfra().redisUrl,
    KAFKA_PORT: String(kafka),
    EMULATOR_PORT: String(emulator),
    API_PORT: String(api),
    WORKER_METRICS_PORT: String(worker),
    QUEUE_PREFIX: `stack-${process.pid}`,
    KAFKA_TOPIC_PREFIX: `stack-${process.pid}.`,
  };
});

afterAll(() => {
  stack('down');
  rmSync(localDir, { recursive: true, force: true });
});

/** `up` succeeds; being idempotent, it is also how a case that needs the stack running gets it, alone or not. */
function up(): void {
  const r = stack('up');
  expect(r.status, r.stderr + r.stdout).toBe(0);
}

describe('the local stack', () => {
  it('up starts Kafka, the emulator, the api and the worker and waits until each listens', async () => {
    up();
    for (const port of listening) expect(await isPortOpen(port)).toBe(true);
    for (const name of names) expect(isAlive(pidOf(name))).toBe(true);
  });

  it('up again starts nothing new, and restarts only a worker that was killed', async () => {
    up();
    const before = Object.fromEntries(names.map((n) => [n, pidOf(n)]));
    const killed = pidOf('worker');
    process.kill(killed, 'SIGKILL');
    // The signal is delivered asynchronously: `up` is meant to find the worker dead, not dying.
    await waitFor('the killed worker gone and its port free', async () => {
      return !isAlive(killed) && !(await isPortOpen(workerPort));
    });
    up();
    for (const name of ['kafka', 'emulator', 'api'] as const) expect(pidOf(name)).toBe(before[name]);
    expect(pidOf('worker')).not.toBe(before.worker);
    expect(isAlive(pidOf('worker'))).toBe(true);
  });

  it('down stops every process it recorded and frees every port', async () => {
    up();
    const pids = names.map(pidOf);
    const r = stack('down');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    for (const port of ports) expect(await isPortOpen(port)).toBe(false);
  });
});

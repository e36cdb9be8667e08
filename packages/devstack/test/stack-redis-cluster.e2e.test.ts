// `npm run up -- --redis-cluster` then `npm run down`: the real scripts on free ports with a private state
// folder. The api and the worker run on the cluster the stack started, and `down` leaves no node running.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isAlive, isPortOpen, repoRoot, testInfra } from '../src/index.js';

const localDir = mkdtempSync(join(tmpdir(), 'vo-stack-cluster-'));
let env: NodeJS.ProcessEnv;
let apiPort: number;

const stack = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts/run.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
  });
const pidOf = (name: string) => Number(readFileSync(join(localDir, 'pids', `${name}.pid`), 'utf8'));
/** The environment a running process was started with (Linux's /proc). */
const environOf = (pid: number) =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );

let upOutput = '';
beforeAll(async () => {
  apiPort = await freePort();
  env = {
    ...process.env,
    VO_LOCAL_DIR: localDir,
    // The single Redis the test run uses: the cluster flag must win over it.
    REDIS_URL: testInfra().redisUrl,
    KAFKA_PORT: String(await freePort()),
    EMULATOR_PORT: String(await freePort()),
    API_PORT: String(apiPort),
    WORKER_METRICS_PORT: String(await freePort()),
    KAFKA_TOPIC_PREFIX: `stack-cluster-${process.pid}.`,
  };
  const r = stack('up', '--redis-cluster');
  upOutput = r.stdout + r.stderr;
  expect(r.status, upOutput).toBe(0);
}, 180_000);

afterAll(() => {
  stack('down');
  rmSync(localDir, { recursive: true, force: true });
});

describe('npm run up -- --redis-cluster', () => {
  it('starts a 3-master cluster, prints "cluster" and every node, and points the api and the worker at it', async () => {
    const url = readFileSync(join(localDir, 'redis-cluster.url'), 'utf8').trim();
    expect(upOutput).toContain(`redis     cluster ${url}`);
    const nodes = url.replace('redis+cluster://', '').split(',');
    expect(nodes).toHaveLength(3);
    nodes.forEach((node, i) => expect(upOutput).toContain(`node ${i + 1}  ${node} (master, pid`));
    for (const name of ['api', 'worker']) expect(environOf(pidOf(name)).REDIS_URL).toBe(url);
    const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
    expect(((await ready.json()) as { checks: { redis: string } }).checks.redis).toBe('ok');
  });

  it('down stops the cluster with the rest of the stack', async () => {
    const url = readFileSync(join(localDir, 'redis-cluster.url'), 'utf8').trim();
    const pids = ['redis-cluster-1', 'redis-cluster-2', 'redis-cluster-3', 'api', 'worker'].map(pidOf);
    const r = stack('down');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('stopped redis cluster');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    for (const node of url.replace('redis+cluster://', '').split(','))
      expect(await isPortOpen(Number(node.split(':')[1]))).toBe(false);
  });
});

// The main job, `npm run demo`: brings the local stack up (as `npm run up` does), then a generated bulk
// enrollment of realistic users against the emulator, streamed through the operators' CLI with a live progress
// bar, then a summary taken from the event log and the emulator's own counters. The stack stays up.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localDir, repoRoot, stackPorts, stackUp } from '@verified-onboard/devstack';
import { DEV_API_KEY_CREDENTIAL } from '@verified-onboard/events';
import { readEnrollmentLog, type EnrollmentTimeline } from './lib/event-log.js';
import { scenarios, type ScenarioName } from './lib/scenarios.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '2000' },
    scenario: { type: 'string', default: 'realistic' },
    'invalid-lines': { type: 'string', default: '5' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    `usage: npm run demo [-- --size 2000] [--scenario ${Object.keys(scenarios).join('|')}] [--invalid-lines 5]`,
  );
  process.exit(0);
}
const size = Number(values.size);
const scenarioName = values.scenario as ScenarioName;
if (!Number.isInteger(size) || size < 1)
  throw new Error(`--size must be a positive integer, got ${values.size}`);
if (!(scenarioName in scenarios))
  throw new Error(`--scenario must be one of ${Object.keys(scenarios).join(', ')}`);

const ports = stackPorts();
await stackUp((line) => console.log(line), ports);
const emulator = `http://127.0.0.1:${ports.emulatorPort}`;
const api = `http://127.0.0.1:${ports.apiPort}`;
// The stack `up` starts runs with ALLOW_DEV_DEFAULTS=1, so the api holds the local dev key.
const apiKey = process.env.VERIFIED_ONBOARD_API_KEY ?? DEV_API_KEY_CREDENTIAL;

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...init?.headers },
  });
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

type Stats = { calls: Record<string, number> };
const totalCalls = (s: Stats) => Object.values(s.calls).reduce((a, b) => a + b, 0);

// 1. The people: generated, with a few deliberately broken lines to show per-line errors.
const runId = randomUUID().slice(0, 8);
const batchId = `demo-${runId}`;
const dir = join(localDir, 'demo');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${batchId}.ndjson`);
const invalid = Math.min(Number(values['invalid-lines']), size);
const lines: string[] = [];
for (let i = 1; i <= size; i++) {
  lines.push(
    JSON.stringify({
      accountNumber: `demo-${runId}-${i}`,
      displayName: `Demo Person ${i}`,
      email: `person${i}@example.com`,
      timeoutSec: 60,
      externalRef: `crm-${runId}-${i}`,
    }),
  );
}
const broken = [
  '{"displayName": "No closing brace"',
  JSON.stringify({ displayName: 'Bad transport', transport: 'pigeon' }),
  JSON.stringify({ displayName: 'SMS without phone', transport: 'sms' }),
  JSON.stringify({ displayName: 'Bad account', accountNumber: 'has spaces/and slashes' }),
  JSON.stringify({ displayName: '', timeoutSec: 5 }),
];
for (let i = 0; i < invalid; i++) {
  const line = broken[i % broken.length];
  if (line !== undefined) lines.splice(1 + i * 7, 0, line);
}
writeFileSync(file, lines.join('\n') + '\n');

// 2. The users: the emulator plays them.
const scenario = scenarios[scenarioName];
await json(`${emulator}/_emulator/scenario`, { method: 'PUT', body: JSON.stringify(scenario.emulator) });
const before = await json<Stats>(`${emulator}/_emulator/stats`);
console.log(`\nscenario "${scenarioName}": ${scenario.description}`);
console.log(`submitting ${size} people (+${invalid} broken lines) from ${file}\n`);

// 3. Submit through the operators' CLI: streamed upload, then a live progress bar until every one is terminal.
const started = Date.now();
const reportFile = join(dir, `${batchId}.report.json`);
const cli = spawnSync(
  process.execPath,
  [
    join(repoRoot, 'packages/cli/bin/verified-onboard.mjs'),
    'submit',
    file,
    '--batch-id',
    batchId,
    '--interval',
    '500',
    '--timeout',
    '900',
    '--report',
    reportFile,
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, VERIFIED_ONBOARD_API_URL: api, VERIFIED_ONBOARD_API_KEY: apiKey },
  },
);
if (cli.status !== 0 && cli.status !== 4) {
  console.error(`\nthe CLI exited with ${cli.status}; the stack is still running (npm run down stops it)`);
  process.exit(1);
}
const wallSec = (Date.now() - started) / 1000;
// The api scopes a client's batch id to its API key; the CLI's report has the id the api chose.
const batchKey = (JSON.parse(readFileSync(reportFile, 'utf8')) as { batchId: string }).batchId;

// 4. The summary: statuses from the api, durations from the event log, upstream economy from the emulator.
const batch = await json<{ total: number; byStatus: Record<string, number> }>(
  `${api}/v1/batches/${batchKey}`,
);
const after = await json<Stats>(`${emulator}/_emulator/stats`);
const timelines = await readEnrollmentLog({
  brokers: (process.env.KAFKA_BROKERS ?? `127.0.0.1:${ports.kafkaPort}`).split(','),
  topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
  batchId: batchKey,
});
const durations = timelines
  .flatMap((t: EnrollmentTimeline) => (t.terminalAt === null ? [] : [t.terminalAt - t.requestedAt]))
  .sort((a, b) => a - b);
const pct = (p: number) =>
  (durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? NaN) / 1000;
const calls = totalCalls(after) - totalCalls(before);
const terminal = Object.entries(batch.byStatus)
  .filter(
    ([s]) => s !== 'requested' && s !== 'capture_pending' && s !== 'captured' && s !== 'account_created',
  )
  .reduce((a, [, n]) => a + n, 0);

console.log('\n== summary');
console.table(
  Object.fromEntries(
    Object.entries(batch.byStatus).map(([status, count]) => [
      status,
      { count, share: `${((100 * count) / Math.max(1, batch.total)).toFixed(1)}%` },
    ]),
  ),
);
console.table({
  'enrollments accepted': { value: batch.total },
  'lines rejected': { value: invalid },
  'wall time (s)': { value: wallSec.toFixed(1) },
  'duration p50 (s)': { value: pct(50).toFixed(1) },
  'duration p95 (s)': { value: pct(95).toFixed(1) },
  'upstream calls': { value: calls },
  'upstream calls per enrollment': { value: (calls / Math.max(1, terminal)).toFixed(2) },
});

// 5. One person left waiting at the capture page, to open in a browser.
await json(`${emulator}/_emulator/scenario`, {
  method: 'PUT',
  body: JSON.stringify({ user: { outcome: 'never', afterMs: 0, mix: null } }),
});
const single = await json<{ id: string }>(`${api}/v1/enrollments`, {
  method: 'POST',
  body: JSON.stringify({ displayName: 'Try Me', timeoutSec: 3600 }),
});
let captureUrl: string | undefined;
for (let i = 0; i < 100 && !captureUrl; i++) {
  const view = await json<{ captureUrl?: string }>(`${api}/v1/enrollments/${single.id}`);
  captureUrl = view.captureUrl;
  if (!captureUrl) await new Promise((r) => setTimeout(r, 200));
}

console.log(`
The stack is still running:
  api docs         ${api}/docs
  queue dashboard  ${api}/ops/queues   (API key: ${apiKey.split(':')[0]}, see docs/api.md)
  capture page     ${captureUrl ?? '(not ready yet: GET ' + api + '/v1/enrollments/' + single.id + ')'}
                   enrollment ${single.id}: open the page, press Accept, then: npx verified-onboard status ${single.id}
  metrics          ${api}/metrics  and  http://127.0.0.1:${ports.workerMetricsPort}/metrics
Stop it with: npm run down`);

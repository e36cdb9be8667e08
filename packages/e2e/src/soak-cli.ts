// `npm run soak [-- --size N --worker-kills K --kafka-restarts R]`: runs the fault soak, prints progress and
// the checks, exits 1 when any check fails (2 on bad options).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak, type SoakReport } from './soak.js';

function count(value: string | undefined, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got ${value}`);
    process.exit(2);
  }
  return n;
}

function printReport(report: SoakReport): void {
  console.log('\n== soak checks');
  console.table(
    report.checks.map((c) => ({ check: c.name, result: c.pass ? 'PASS' : 'FAIL', detail: c.detail })),
  );
  console.log(
    `\n${report.accepted} enrollments in ${(report.durationMs / 1000).toFixed(0)} s; statuses (event log): ${JSON.stringify(report.statusCounts)}`,
  );
  console.log(
    `emulator: ${report.emulator.calls} upstream calls, faults on ${report.emulator.faultedEndpoints} endpoints, ` +
      `webhooks sent ${report.emulator.webhooks.sent} / dropped ${report.emulator.webhooks.dropped} / failed ${report.emulator.webhooks.failed}, ` +
      `duplicate create attempts ${JSON.stringify(report.emulator.duplicateCreates)}`,
  );
  console.log(`logs: ${Object.values(report.logs).join(' ')}`);
  console.log(report.pass ? '\nSOAK PASSED' : '\nSOAK FAILED');
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '5000' },
    'worker-kills': { type: 'string', default: '3' },
    'kafka-restarts': { type: 'string', default: '1' },
    'deadline-min': { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run soak -- [--size 5000] [--worker-kills 3] [--kafka-restarts 1] [--deadline-min M] [--json FILE]',
  );
  process.exit(0);
}

const report = await runSoak({
  size: count(values.size, 'size', 1),
  workerKills: count(values['worker-kills'], 'worker-kills', 0),
  kafkaRestarts: count(values['kafka-restarts'], 'kafka-restarts', 0),
  ...(values['deadline-min'] !== undefined && {
    deadlineMs: count(values['deadline-min'], 'deadline-min', 1) * 60_000,
  }),
  keepLogs: true,
  log: (line) => console.log(line),
});
printReport(report);
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
process.exit(report.pass ? 0 : 1);

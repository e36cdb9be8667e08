// The fault soak: a batch of enrollments through the whole running stack while the emulator faults every
// endpoint, the worker is SIGKILLed and restarted, and the Kafka broker is restarted; then a verdict from
// the event log, the emulator's records and the read model (soak-checks.ts). See docs/soak.md.
import { randomBytes } from 'node:crypto';
import { redisClient, sleep } from '@verified-onboard/devstack';
import type { EnrollmentState } from '@verified-onboard/events';
import { startE2eStack, type Say } from './e2e-stack.js';
import { SOAK_SCENARIO, SOAK_WORKER_ENV } from './scenario.js';
import { chaosPlan, injectFault } from './soak-chaos.js';
import {
  isTerminal,
  soakVerdict,
  statusCounts,
  type ChaosRecord,
  type EmulatorAccount,
  type SoakCheck,
} from './soak-checks.js';
import { collectViews, problemLines, type BatchView } from './soak-collect.js';
import { submitSoakBatch } from './soak-submit.js';

export { chaosPlan } from './soak-chaos.js';

export interface SoakOptions {
  size: number;
  workerKills: number;
  kafkaRestarts: number;
  /** Emulator scenario; default SOAK_SCENARIO (the issue's fault mix). */
  scenario?: unknown;
  /** Worker environment on top of SOAK_WORKER_ENV. */
  workerEnv?: Record<string, string>;
  /** Longest wait for every enrollment to be terminal; default 5 min + 600 ms per enrollment. */
  deadlineMs?: number;
  /** Keep process logs after the run (the CLI does; they are listed in the report). */
  keepLogs?: boolean;
  log?: Say;
}

export interface SoakReport {
  pass: boolean;
  size: number;
  accepted: number;
  batchId: string;
  durationMs: number;
  /** From the fold of the event log. */
  statusCounts: Record<string, number>;
  chaos: ChaosRecord[];
  checks: SoakCheck[];
  emulator: {
    calls: number;
    faultedEndpoints: number;
    webhooks: { sent: number; dropped: number; failed: number };
    duplicateCreates: { account: number; credential: number };
  };
  logs: Record<string, string>;
}

interface EmulatorStats {
  calls: Record<string, number>;
  duplicateCreates: { account: number; credential: number };
  webhooks: { sent: number; dropped: number; failed: number };
}

const terminalOf = (batch: BatchView) =>
  Object.entries(batch.byStatus).reduce(
    (sum, [status, n]) => sum + (isTerminal(status as EnrollmentState['status']) ? n : 0),
    0,
  );

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? (() => undefined);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  const runId = randomBytes(4).toString('hex');
  const accountPrefix = `soak-${runId}-`;
  const deadlineMs = options.deadlineMs ?? 300_000 + options.size * 600;

  say(
    `soak ${runId}: ${options.size} enrollments, ${options.workerKills} worker kills, ${options.kafkaRestarts} Kafka restarts`,
  );
  const workerEnv = { ...SOAK_WORKER_ENV, ...options.workerEnv };
  const stack = await startE2eStack({
    label: 'soak',
    kafka: 'private',
    workerEnv,
    scenario: options.scenario ?? SOAK_SCENARIO,
    keepLogs: options.keepLogs ?? false,
    say,
  });
  const redis = redisClient(stack.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const before = await stack.emulator<EmulatorStats>('/_emulator/stats');
    const submitted = await submitSoakBatch(stack, options.size, accountPrefix, `soak-${runId}`, say);
    const { batchId, accepted } = submitted;
    say(`${elapsed()}  batch ${batchId}: ${accepted} accepted, ${submitted.rejectedCount} rejected`);

    // Progress and chaos in one loop: each fault fires once the batch has made its share of progress, so
    // they land at spread-out moments with work in flight.
    const plan = chaosPlan(options.workerKills, options.kafkaRestarts);
    const chaos: ChaosRecord[] = [];
    let lastLine = '';
    let lastSaid = 0;
    const deadline = Date.now() + deadlineMs;
    let final: BatchView = { batchId, total: 0, byStatus: {} };
    for (;;) {
      let batch: BatchView | null = null;
      try {
        batch = await stack.api<BatchView>(`/v1/batches/${encodeURIComponent(batchId)}`);
      } catch (error) {
        say(`${elapsed()}  progress read failed: ${(error as Error).message.slice(0, 160)}`);
      }
      if (batch) {
        final = batch;
        const done = terminalOf(batch);
        const line = `${done}/${accepted} terminal  ${Object.entries(batch.byStatus)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${s} ${n}`)
          .join('  ')}`;
        if (line !== lastLine && Date.now() - lastSaid > 5000) {
          say(`${elapsed()}  ${line}`);
          lastLine = line;
          lastSaid = Date.now();
        }
        const next = plan[chaos.length];
        // A fault whose moment never came (the batch finished first) is reported by the chaos check.
        if (done >= accepted) break;
        if (next && done >= next.at * accepted) {
          chaos.push(
            await injectFault(
              stack,
              next.kind,
              { sinceStartMs: Date.now() - started, inFlight: accepted - done, elapsed },
              say,
            ),
          );
          continue;
        }
      }
      if (Date.now() > deadline) {
        say(
          `${elapsed()}  deadline of ${Math.round(deadlineMs / 1000)} s reached with ${terminalOf(final)}/${accepted} terminal`,
        );
        break;
      }
      await sleep(500);
    }
    say(`${elapsed()}  ${terminalOf(final)}/${accepted} terminal per the read model; reading the event log`);

    const views = await collectViews(stack, redis, batchId);

    const accounts = new Map(
      (await stack.emulator<{ accounts: EmulatorAccount[] }>('/_emulator/accounts')).accounts.map(
        (a) => [a.accountNumber, a] as const,
      ),
    );
    const after = await stack.emulator<EmulatorStats>('/_emulator/stats');
    const checks: SoakCheck[] = soakVerdict({
      planned: { workerKills: options.workerKills, kafkaRestarts: options.kafkaRestarts },
      chaos,
      accepted,
      jobAttempts: Number(workerEnv.WORKER_JOB_ATTEMPTS),
      ...views,
      accounts,
      accountPrefix,
    });
    if (!checks.every((c) => c.pass)) {
      // The process logs go with the stack: keep the warnings of a failed run in its own log.
      for (const [name, file] of Object.entries(stack.logFiles()).filter(
        ([n]) => n === 'worker' || n === 'api',
      )) {
        for (const line of problemLines(file, 40)) say(`${name} log: ${line}`);
      }
    }
    const calls = (s: EmulatorStats) => Object.values(s.calls).reduce((a, b) => a + b, 0);
    const scenario = (options.scenario ?? SOAK_SCENARIO) as { faults?: Record<string, unknown> };
    return {
      pass: checks.every((c) => c.pass),
      size: options.size,
      accepted,
      batchId,
      durationMs: Date.now() - started,
      statusCounts: statusCounts(views.folded),
      chaos,
      checks,
      emulator: {
        calls: calls(after) - calls(before),
        faultedEndpoints: Object.keys(scenario.faults ?? {}).length,
        webhooks: {
          sent: after.webhooks.sent - before.webhooks.sent,
          dropped: after.webhooks.dropped - before.webhooks.dropped,
          failed: after.webhooks.failed - before.webhooks.failed,
        },
        duplicateCreates: after.duplicateCreates,
      },
      logs: stack.logFiles(),
    };
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

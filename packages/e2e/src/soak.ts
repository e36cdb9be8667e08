// The fault soak: a batch of enrollments through the whole running stack while the emulator faults every
// endpoint, the worker is SIGKILLed and restarted, and the Kafka broker is restarted; then a verdict from
// the event log, the emulator's records and the read model (soak-checks.ts). See docs/soak.md.
import { HEADERS, sharedKeys } from '@verified-onboard/contracts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  ReadModel,
  createKafka,
  readEnrollmentStreams,
  topicNames,
  type EnrollmentEvent,
  type EnrollmentState,
} from '@verified-onboard/events';
import { Redis } from 'ioredis';
import { HttpStatusError, startE2eStack, type E2eStack, type Say } from './e2e-stack.js';
import { SOAK_SCENARIO, SOAK_WORKER_ENV } from './scenario.js';
import { sleep, waitFor, WaitTimeoutError } from '@verified-onboard/devstack';
import {
  checkReadModel,
  foldAll,
  isTerminal,
  soakVerdict,
  statusCounts,
  type ChaosRecord,
  type EmulatorAccount,
  type SoakCheck,
} from './soak-checks.js';

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

interface BatchView {
  batchId: string;
  total: number;
  byStatus: Record<string, number>;
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

/** Where the chaos goes: evenly spread over 0..80% of the batch's progress, Kafka restarts in the middle of the kills. */
export function chaosPlan(
  workerKills: number,
  kafkaRestarts: number,
): Array<{ at: number; kind: ChaosRecord['kind'] }> {
  const kinds: Array<ChaosRecord['kind']> = Array.from({ length: workerKills }, () => 'worker-kill');
  const n = workerKills + kafkaRestarts;
  for (let j = 0; j < kafkaRestarts; j++)
    kinds.splice(Math.floor(((j + 1) * n) / (kafkaRestarts + 1)), 0, 'kafka-restart');
  return kinds.map((kind, i) => ({ kind, at: (0.8 * (i + 1)) / (n + 1) }));
}

function* ndjsonLines(size: number, accountPrefix: string): Generator<string> {
  for (let i = 1; i <= size; i++) {
    yield `${JSON.stringify({ accountNumber: `${accountPrefix}${i}`, displayName: `Soak Person ${i}`, email: `soak${i}@example.com`, timeoutSec: 120, externalRef: `${accountPrefix}ref-${i}` })}\n`;
  }
}

/**
 * Streams the batch to the api. A 503 or 502 (Kafka did not acknowledge) or a refused connection is answered by
 * resubmitting under the same Idempotency-Key, which resumes the batch: lines already published keep their
 * enrollment ids and are not published again. The externalRefs are per run (the api dedupes them for 24 h).
 */
async function submitBatch(
  stack: E2eStack,
  size: number,
  accountPrefix: string,
  clientBatchKey: string,
  say: Say,
) {
  return waitFor(
    'the batch accepted by the api',
    async () => {
      try {
        const body = Readable.toWeb(
          Readable.from(ndjsonLines(size, accountPrefix)),
        ) as ReadableStream<Uint8Array>;
        return await stack.api<{ batchId: string; accepted: number; rejectedCount: number }>(
          '/v1/enrollments/batch',
          {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-ndjson', [HEADERS.idempotencyKey]: clientBatchKey },
            duplex: 'half',
          },
        );
      } catch (error) {
        // 503: nothing accepted; 502: part accepted; 429: the dropped attempt still holds its slot for a moment.
        if (error instanceof HttpStatusError && ![429, 502, 503].includes(error.status)) throw error;
        say(`batch upload: ${(error as Error).message.slice(0, 120)}; resubmitting under the same batch id`);
        return null;
      }
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
}

async function readEventLog(stack: E2eStack, batchId: string): Promise<Map<string, EnrollmentEvent[]>> {
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: `${stack.queuePrefix}-soak-scan` });
  return readEnrollmentStreams(kafka, {
    topic: topicNames(stack.topicPrefix).enrollmentEvents,
    timeoutMs: 300_000,
    select: (requested) => requested.data.batchId === batchId,
  });
}

async function readReadModel(
  redis: Redis,
  queuePrefix: string,
  ids: Iterable<string>,
): Promise<Map<string, EnrollmentState | null>> {
  const model = await ReadModel.open(redis, sharedKeys(queuePrefix).readModelBase);
  const out = new Map<string, EnrollmentState | null>();
  const all = [...ids];
  for (let i = 0; i < all.length; i += 200) {
    const chunk = all.slice(i, i + 200);
    const states = await Promise.all(chunk.map((id) => model.get(id)));
    chunk.forEach((id, j) => out.set(id, states[j] ?? null));
  }
  return out;
}

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
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const before = await stack.emulator<EmulatorStats>('/_emulator/stats');
    const submitted = await submitBatch(stack, options.size, accountPrefix, `soak-${runId}`, say);
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
          const t0 = Date.now();
          if (next.kind === 'worker-kill') {
            const pid = await stack.killWorker();
            const newPid = await stack.startWorker();
            chaos.push({
              kind: next.kind,
              atMs: t0 - started,
              inFlight: accepted - done,
              downMs: Date.now() - t0,
              detail: `pid ${pid} → ${newPid}`,
            });
            say(
              `${elapsed()}  worker SIGKILLed (pid ${pid}) with ${accepted - done} in flight; restarted as pid ${newPid}`,
            );
          } else {
            await stack.restartKafka();
            chaos.push({
              kind: next.kind,
              atMs: t0 - started,
              inFlight: accepted - done,
              downMs: Date.now() - t0,
              detail: 'same port and data',
            });
            say(
              `${elapsed()}  Kafka restarted with ${accepted - done} in flight (down ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
            );
          }
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

    // What the log, the read model and the api say about the batch, read together.
    const readViews = async () => {
      const events = await readEventLog(stack, batchId);
      const folded = foldAll(events);
      return {
        events,
        folded,
        readModel: await readReadModel(redis, stack.queuePrefix, folded.keys()),
        batch: await stack.api<BatchView>(`/v1/batches/${encodeURIComponent(batchId)}`),
      };
    };
    const agree = (v: Awaited<ReturnType<typeof readViews>>) =>
      checkReadModel(v.folded, v.readModel, v.batch).pass;
    // The projector applies what the log holds a moment after it is written: give it a short while to catch
    // up before comparing (a difference that persists is a finding, not lag, and the check reports it).
    let views = await readViews();
    if (!agree(views)) {
      try {
        views = await waitFor(
          'the read model to catch up with the event log',
          async () => {
            views = await readViews();
            return agree(views) && views;
          },
          { timeoutMs: 20_000, intervalMs: 1000 },
        );
      } catch (error) {
        if (!(error instanceof WaitTimeoutError)) throw error;
      }
    }

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

/** The last `max` warning and error lines of a pino log, as `level message (error message)`. */
function problemLines(file: string, max: number): string[] {
  if (!existsSync(file)) return [];
  const out: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    try {
      const entry = JSON.parse(raw) as {
        level?: number;
        time?: number;
        msg?: string;
        err?: { message?: string };
      };
      if ((entry.level ?? 0) < 40) continue;
      out.push(
        `${entry.level === 40 ? 'warn' : 'error'} ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message.slice(0, 200)})` : ''}`,
      );
    } catch {
      // not a log line (a stack trace, a partial write)
    }
  }
  return out.slice(-max);
}

import { sharedKeys } from '@verified-onboard/contracts';
import { existsSync, readFileSync } from 'node:fs';
import { waitFor, WaitTimeoutError } from '@verified-onboard/devstack';
import { topicNames, type EnrollmentEvent, type EnrollmentState } from '@verified-onboard/events';
import { ReadModel, createKafka, readEnrollmentStreams } from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';
import type { E2eStack } from './e2e-stack.js';
import { checkReadModel, foldAll, type Folded } from './soak-checks.js';

export interface BatchView {
  batchId: string;
  total: number;
  byStatus: Record<string, number>;
}

/** What the log, the read model and the api say about the batch, read together. */
export interface SoakViews {
  events: Map<string, EnrollmentEvent[]>;
  folded: Map<string, Folded>;
  readModel: Map<string, EnrollmentState | null>;
  batch: BatchView;
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

/**
 * The views of a finished batch. The projector applies what the log holds a moment after it is written: give it
 * a short while to catch up before comparing (a difference that persists is a finding, not lag, and the check
 * reports it).
 */
export async function collectViews(stack: E2eStack, redis: Redis, batchId: string): Promise<SoakViews> {
  const readViews = async (): Promise<SoakViews> => {
    const events = await readEventLog(stack, batchId);
    const folded = foldAll(events);
    return {
      events,
      folded,
      readModel: await readReadModel(redis, stack.queuePrefix, folded.keys()),
      batch: await stack.api<BatchView>(`/v1/batches/${encodeURIComponent(batchId)}`),
    };
  };
  const agree = (v: SoakViews) => checkReadModel(v.folded, v.readModel, v.batch).pass;
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
  return views;
}

/** The last `max` warning and error lines of a pino log, as `level message (error message)`. */
export function problemLines(file: string, max: number): string[] {
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

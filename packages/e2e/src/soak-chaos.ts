import type { E2eStack, Say } from './e2e-stack.js';
import type { ChaosRecord } from './soak-checks.js';

export type ChaosKind = ChaosRecord['kind'];

/** Where the chaos goes: evenly spread over 0..80% of the batch's progress, Kafka restarts in the middle of the kills. */
export function chaosPlan(
  workerKills: number,
  kafkaRestarts: number,
): Array<{ at: number; kind: ChaosKind }> {
  const kinds: ChaosKind[] = Array.from({ length: workerKills }, () => 'worker-kill');
  const n = workerKills + kafkaRestarts;
  for (let j = 0; j < kafkaRestarts; j++)
    kinds.splice(Math.floor(((j + 1) * n) / (kafkaRestarts + 1)), 0, 'kafka-restart');
  return kinds.map((kind, i) => ({ kind, at: (0.8 * (i + 1)) / (n + 1) }));
}

/**
 * One fault, now: SIGKILL the worker and start a new one, or restart the Kafka broker on the same port and
 * data. Returns the record the chaos check reads; `say` tells the operator as it happens.
 */
export async function injectFault(
  stack: E2eStack,
  kind: ChaosKind,
  at: { sinceStartMs: number; inFlight: number; elapsed: () => string },
  say: Say,
): Promise<ChaosRecord> {
  const t0 = Date.now();
  const { inFlight } = at;
  if (kind === 'worker-kill') {
    const pid = await stack.killWorker();
    const newPid = await stack.startWorker();
    say(
      `${at.elapsed()}  worker SIGKILLed (pid ${pid}) with ${inFlight} in flight; restarted as pid ${newPid}`,
    );
    return {
      kind,
      atMs: at.sinceStartMs,
      inFlight,
      downMs: Date.now() - t0,
      detail: `pid ${pid} → ${newPid}`,
    };
  }
  await stack.restartKafka();
  const downMs = Date.now() - t0;
  say(
    `${at.elapsed()}  Kafka restarted with ${inFlight} in flight (down ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return { kind, atMs: at.sinceStartMs, inFlight, downMs, detail: 'same port and data' };
}

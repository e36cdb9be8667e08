// The soak's verdict, as pure functions of what it collected: the event log (source of truth), the
// emulator's own records of upstream effects, and the read model. Kept apart from the run so the rules
// themselves are unit-tested.
import { type EnrollmentEvent, type EnrollmentState } from '@verified-onboard/events';
import {
  CHECK_NAMES,
  formatCounts,
  isTerminal,
  listSome,
  statusCounts,
  type ChaosRecord,
  type EmulatorAccount,
  type Folded,
  type SoakCheck,
} from './soak-check-support.js';
import { checkCredentials, checkNoDuplicates, checkRecorded } from './soak-effect-checks.js';
import { checkReadModel } from './soak-read-model-check.js';

export * from './soak-check-support.js';
export { checkCredentials, checkNoDuplicates, checkRecorded } from './soak-effect-checks.js';
export { canonical, checkReadModel, differingFields } from './soak-read-model-check.js';

export function checkChaos(
  planned: { workerKills: number; kafkaRestarts: number },
  chaos: ChaosRecord[],
): SoakCheck {
  const kills = chaos.filter((c) => c.kind === 'worker-kill');
  const restarts = chaos.filter((c) => c.kind === 'kafka-restart');
  const idle = chaos.filter((c) => c.inFlight === 0);
  const pass =
    kills.length === planned.workerKills && restarts.length === planned.kafkaRestarts && idle.length === 0;
  const describe = (c: ChaosRecord) =>
    `${c.kind} at ${(c.atMs / 1000).toFixed(0)} s with ${c.inFlight} in flight (back after ${(c.downMs / 1000).toFixed(1)} s)`;
  return {
    name: CHECK_NAMES.chaos,
    pass,
    detail:
      `${kills.length}/${planned.workerKills} worker SIGKILLs, ${restarts.length}/${planned.kafkaRestarts} Kafka restarts` +
      (idle.length ? `; ${idle.length} happened with nothing in flight` : '') +
      (chaos.length ? `: ${chaos.map(describe).join('; ')}` : ''),
  };
}

/**
 * (1) From the log, not the read model: the batch's `requested` events number what the api accepted, every
 * stream folds without an invalid transition, and every fold is terminal (`failed` included: ops can retry it).
 * Failures for exhausted retries are reported, since the retry budget is meant to outlast the fault rate.
 */
export function checkTerminal(accepted: number, folded: Map<string, Folded>, jobAttempts: number): SoakCheck {
  const problems: string[] = [];
  if (folded.size !== accepted)
    problems.push(`${folded.size} enrollments in the log, ${accepted} accepted by the api`);
  const unfoldable = [...folded].flatMap(([id, f]) => (f.error ? [`${id}: ${f.error.message}`] : []));
  if (unfoldable.length) problems.push(`${unfoldable.length} streams do not fold: ${listSome(unfoldable)}`);
  const pending = [...folded].flatMap(([id, f]) =>
    f.state && !isTerminal(f.state.status) ? [`${id} (${f.state.status})`] : [],
  );
  if (pending.length) problems.push(`${pending.length} not terminal: ${listSome(pending)}`);

  const failures = [...folded.values()].flatMap((f) =>
    f.state?.status === 'failed' && f.state.failure ? [f.state.failure] : [],
  );
  const exhausted = failures.filter((f) => f.retryable && f.attempts >= jobAttempts);
  const byCode: Record<string, number> = {};
  for (const f of failures) byCode[`${f.step}/${f.code}`] = (byCode[`${f.step}/${f.code}`] ?? 0) + 1;
  const failedNote = failures.length
    ? `; failed: ${formatCounts(byCode)} (${exhausted.length} for exhausted retries)`
    : '; none failed';
  const terminal = [...folded.values()].filter((f) => f.state && isTerminal(f.state.status)).length;
  return {
    name: CHECK_NAMES.terminal,
    pass: problems.length === 0,
    detail: `${terminal}/${accepted} terminal: ${formatCounts(statusCounts(folded))}${failedNote}${problems.length ? `. ${problems.join('. ')}` : ''}`,
  };
}

/** Everything the soak collected, for its verdict. */
export interface SoakEvidence {
  planned: { workerKills: number; kafkaRestarts: number };
  chaos: ChaosRecord[];
  accepted: number;
  /** The worker's WORKER_JOB_ATTEMPTS: a failure with this many attempts ran out of retries. */
  jobAttempts: number;
  events: Map<string, EnrollmentEvent[]>;
  folded: Map<string, Folded>;
  /** The emulator's accounts by account number. */
  accounts: Map<string, EmulatorAccount>;
  /** The soak's account numbers start with it; other accounts on the emulator are not the soak's. */
  accountPrefix: string;
  readModel: Map<string, EnrollmentState | null>;
  batch: { total: number; byStatus: Record<string, number> };
}

/** Every check, in the order of CHECK_NAMES. */
export function soakVerdict(e: SoakEvidence): SoakCheck[] {
  return [
    checkChaos(e.planned, e.chaos),
    checkTerminal(e.accepted, e.folded, e.jobAttempts),
    checkNoDuplicates(e.folded, e.accounts),
    checkCredentials(e.events, e.folded, e.accounts),
    checkRecorded(e.folded, e.accounts, e.accountPrefix),
    checkReadModel(e.folded, e.readModel, e.batch),
  ];
}

// The soak's verdict, as pure functions of what it collected: the event log (source of truth), the
// emulator's own records of upstream effects, and the read model. Kept apart from the run so the rules
// themselves are unit-tested.
import {
  EVENT_TYPES,
  TERMINAL_STATUSES,
  fold,
  type EnrollmentEvent,
  type EnrollmentState,
  type EnrollmentStatus,
} from '@verified-onboard/events';

export interface SoakCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** One row of GET /_emulator/accounts. */
export interface EmulatorAccount {
  accountNumber: string;
  /** Create calls that reached the handler for this number (the first made it, later ones were answered 409). */
  createAttempts: number;
  /** 0 or 1: the account's current credential. */
  credentials: number;
  /** Credential create calls that reached the handler (the first attached it, later ones were answered 409). */
  credentialCreates: number;
  credentialKind: 'proofed' | 'biometric' | null;
}

export interface ChaosRecord {
  kind: 'worker-kill' | 'kafka-restart';
  /** ms since the soak started. */
  atMs: number;
  /** Enrollments not yet terminal when it happened. */
  inFlight: number;
  /** How long until the part was back (worker listening / broker accepting connections). */
  downMs: number;
  detail: string;
}

export type Folded = { state: EnrollmentState; error?: undefined } | { state?: undefined; error: Error };

export const CHECK_NAMES = {
  chaos: 'faults were injected while enrollments were in flight',
  terminal: 'every enrollment is terminal (fold of the event log)',
  noDuplicates: 'no account or credential was created twice',
  credentials: 'every accepted capture has exactly one credential',
  recorded: 'every upstream account and credential is recorded in the event log',
  readModel: 'the read model equals the fold of the events',
} as const;

const SHOW = 5;

function listSome(items: string[]): string {
  return items.length <= SHOW
    ? items.join('; ')
    : `${items.slice(0, SHOW).join('; ')}; … and ${items.length - SHOW} more`;
}

export function foldAll(events: Map<string, EnrollmentEvent[]>): Map<string, Folded> {
  const folded = new Map<string, Folded>();
  for (const [id, stream] of events) {
    try {
      folded.set(id, { state: fold(stream) });
    } catch (error) {
      folded.set(id, { error: error as Error });
    }
  }
  return folded;
}

export function isTerminal(status: EnrollmentStatus): boolean {
  return TERMINAL_STATUSES.has(status) || status === 'failed';
}

export function statusCounts(folded: Map<string, Folded>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of folded.values()) {
    const key = f.state ? f.state.status : 'unfoldable';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

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

/**
 * (2) "Created twice", from the emulator's records. The emulator keeps one record per account number and
 * answers 409 to any create for an existing account or credential, so an effect can never actually be
 * applied twice; what can happen is that our pipeline asks twice. Faults are applied before the effect (a
 * faulted call changes nothing), so a second create is legitimate only as our own idempotent re-run of a
 * call whose effect was applied while its answer was lost (a worker killed after the call, or a call that
 * outlived the client's timeout). The rule, per account of the batch:
 *
 * - at most one enrollment records `account_created` for it;
 * - `createAttempts > 1` only if that enrollment's `account_created` says `alreadyExisted: true` (the worker
 *   recognised its own earlier effect through its recorded intent), and `alreadyExisted: true` only if a
 *   second create actually reached the emulator;
 * - at most one credential, and `credentialCreates > 1` only if the enrollment then recorded
 *   `credential_attached` (it adopted its own credential instead of failing with `credential_conflict`).
 */
export function checkNoDuplicates(
  folded: Map<string, Folded>,
  accounts: Map<string, EmulatorAccount>,
): SoakCheck {
  const problems: string[] = [];
  const claimedBy = new Map<string, string[]>();
  let extraAccountCreates = 0;
  let extraCredentialCreates = 0;
  for (const [id, f] of folded) {
    const state = f.state;
    if (!state || state.accountAlreadyExisted === null) continue;
    claimedBy.set(state.accountNumber, [...(claimedBy.get(state.accountNumber) ?? []), id]);
  }
  for (const [accountNumber, ids] of claimedBy) {
    if (ids.length > 1)
      problems.push(
        `account ${accountNumber} recorded as created by ${ids.length} enrollments (${ids.join(', ')})`,
      );
  }
  for (const [id, f] of folded) {
    const state = f.state;
    if (!state) continue;
    const account = accounts.get(state.accountNumber);
    if (!account) continue;
    extraAccountCreates += Math.max(0, account.createAttempts - 1);
    extraCredentialCreates += Math.max(0, account.credentialCreates - 1);
    if (account.createAttempts > 1 && state.accountAlreadyExisted !== true) {
      problems.push(
        `${account.accountNumber}: ${account.createAttempts} create calls, but enrollment ${id} did not adopt an earlier effect of its own`,
      );
    }
    if (state.accountAlreadyExisted === true && account.createAttempts < 2) {
      problems.push(
        `${account.accountNumber}: enrollment ${id} says the account already existed, yet only ${account.createAttempts} create reached the upstream`,
      );
    }
    if (account.credentials > 1)
      problems.push(`${account.accountNumber}: ${account.credentials} credentials`);
    if (account.credentialCreates > 1 && !state.credentialAttached) {
      problems.push(
        `${account.accountNumber}: ${account.credentialCreates} credential creates, and enrollment ${id} never recorded credential_attached`,
      );
    }
  }
  return {
    name: CHECK_NAMES.noDuplicates,
    pass: problems.length === 0,
    detail:
      `${claimedBy.size} accounts recorded as created; repeated create calls (all adopted as our own re-runs unless listed): ` +
      `${extraAccountCreates} account, ${extraCredentialCreates} credential` +
      (problems.length ? `. ${problems.length} problems: ${listSome(problems)}` : ''),
  };
}

/** (3) Every enrollment whose capture was accepted (capture_completed, upstreamStatus 1) ends with exactly one credential on its account. */
export function checkCredentials(
  events: Map<string, EnrollmentEvent[]>,
  folded: Map<string, Folded>,
  accounts: Map<string, EmulatorAccount>,
): SoakCheck {
  const problems: string[] = [];
  let accepted = 0;
  for (const [id, stream] of events) {
    const acceptedCapture = stream.some(
      (e) =>
        e.type === EVENT_TYPES.captureCompleted &&
        (e.data as { upstreamStatus: number }).upstreamStatus === 1,
    );
    if (!acceptedCapture) continue;
    accepted++;
    const state = folded.get(id)?.state;
    const accountNumber =
      state?.accountNumber ??
      (stream[0]?.data as { accountNumber?: string } | undefined)?.accountNumber ??
      '?';
    const account = accounts.get(accountNumber);
    if (!account)
      problems.push(`${id}: no account ${accountNumber} upstream (status ${state?.status ?? '?'})`);
    else if (account.credentials !== 1 || account.credentialKind !== 'proofed') {
      problems.push(
        `${id}: account ${accountNumber} has ${account.credentials} credentials (${account.credentialKind ?? 'none'}), status ${state?.status ?? '?'}`,
      );
    }
  }
  return {
    name: CHECK_NAMES.credentials,
    pass: problems.length === 0,
    detail:
      `${accepted - problems.length}/${accepted} accepted captures have exactly one proofed credential` +
      (problems.length ? `: ${listSome(problems)}` : ''),
  };
}

/**
 * The same records read the other way: every account (and credential) the emulator holds under the soak's
 * account numbers is one the log records (`account_created`, `credential_attached`), and vice versa; an
 * upstream effect the log does not know about would be invisible to every consumer.
 */
export function checkRecorded(
  folded: Map<string, Folded>,
  accounts: Map<string, EmulatorAccount>,
  accountPrefix: string,
): SoakCheck {
  const problems: string[] = [];
  const byAccount = new Map<string, EnrollmentState>();
  for (const f of folded.values()) if (f.state) byAccount.set(f.state.accountNumber, f.state);
  let ours = 0;
  for (const account of accounts.values()) {
    if (!account.accountNumber.startsWith(accountPrefix)) continue;
    ours++;
    const state = byAccount.get(account.accountNumber);
    if (!state || state.accountAlreadyExisted === null)
      problems.push(`account ${account.accountNumber} exists upstream, but no account_created in the log`);
    else if (account.credentials > 0 && !state.credentialAttached)
      problems.push(
        `account ${account.accountNumber} has a credential, but no credential_attached in the log (status ${state.status})`,
      );
  }
  for (const state of byAccount.values()) {
    if (state.accountAlreadyExisted !== null && !accounts.has(state.accountNumber))
      problems.push(
        `enrollment ${state.id} recorded account_created, but ${state.accountNumber} does not exist upstream`,
      );
  }
  return {
    name: CHECK_NAMES.recorded,
    pass: problems.length === 0,
    detail:
      `${ours} accounts upstream under ${accountPrefix}*` +
      (problems.length ? `; ${problems.length} problems: ${listSome(problems)}` : '; each one recorded'),
  };
}

/** JSON with sorted keys, so two states compare by content. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export function differingFields(a: EnrollmentState, b: EnrollmentState): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter(
      (k) =>
        canonical((a as unknown as Record<string, unknown>)[k]) !==
        canonical((b as unknown as Record<string, unknown>)[k]),
    )
    .sort();
}

/** (4) The read model (active keyspace) holds, for every enrollment, exactly the fold of its events; the batch counts the api serves agree. */
export function checkReadModel(
  folded: Map<string, Folded>,
  readModel: Map<string, EnrollmentState | null>,
  batch: { total: number; byStatus: Record<string, number> },
): SoakCheck {
  const problems: string[] = [];
  let equal = 0;
  for (const [id, { state }] of folded) {
    if (!state) continue;
    const projected = readModel.get(id);
    if (!projected) problems.push(`${id}: missing from the read model`);
    else if (canonical(projected) !== canonical(state)) {
      const fields = differingFields(projected, state);
      const show = (state: EnrollmentState, k: string) =>
        canonical((state as unknown as Record<string, unknown>)[k]).slice(0, 80);
      problems.push(
        `${id}: differs in ${fields.join(', ')} (${fields.map((k) => `${k}: read model ${show(projected, k)}, fold ${show(state, k)}`).join('; ')})`,
      );
    } else equal++;
  }
  const counts = statusCounts(folded);
  const mismatched = Object.keys({ ...counts, ...batch.byStatus })
    .filter((s) => s !== 'unfoldable' && (batch.byStatus[s] ?? 0) !== (counts[s] ?? 0))
    .map((s) => `${s}: api ${batch.byStatus[s] ?? 0}, log ${counts[s] ?? 0}`);
  if (batch.total !== folded.size) mismatched.push(`total: api ${batch.total}, log ${folded.size}`);
  if (mismatched.length) problems.push(`batch counts differ (${mismatched.join('; ')})`);
  return {
    name: CHECK_NAMES.readModel,
    pass: problems.length === 0,
    detail:
      `${equal}/${folded.size} states equal` +
      (problems.length ? `; ${listSome(problems)}` : '; batch counts agree'),
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

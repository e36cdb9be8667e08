// The upstream effects against the event log: the emulator's own records of accounts and credentials, each
// created once and each recorded by an event.
import { EVENT_TYPES, type EnrollmentEvent, type EnrollmentState } from '@verified-onboard/events';
import {
  CHECK_NAMES,
  listSome,
  type EmulatorAccount,
  type Folded,
  type SoakCheck,
} from './soak-check-support.js';

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

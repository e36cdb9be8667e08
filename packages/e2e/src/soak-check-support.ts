// What every soak check shares: the shapes of what the soak collected, the names of the checks, the fold of
// the event log per enrollment and the counting helpers.
import {
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

export function listSome(items: string[]): string {
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

export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

// The soak's verdict rules on hand-built event streams and emulator records: each rule must catch the
// defect it names (a check that cannot fail proves nothing), and must accept our own idempotent re-runs.
import {
  EVENT_TYPES,
  createEvent,
  fold,
  type EnrollmentEvent,
  type EnrollmentState,
} from '@verified-onboard/events';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { chaosPlan } from '../src/soak-chaos.js';
import {
  checkChaos,
  checkCredentials,
  checkNoDuplicates,
  checkReadModel,
  checkRecorded,
  checkTerminal,
  foldAll,
  type EmulatorAccount,
} from '../src/soak-checks.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
let counter = 0;

/** A capture-mode stream that stops after `until` (or fails / is rejected when told). */
function stream(
  until: 'requested' | 'captured' | 'account' | 'completed' | 'rejected' | 'failed-account',
  opts: { alreadyExisted?: boolean; batchId?: string } = {},
): { id: string; account: string; events: EnrollmentEvent[] } {
  counter++;
  const id = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  const account = `soak-test-${counter}`;
  let seq = 0;
  const events: EnrollmentEvent[] = [];
  const add = (type: EnrollmentEvent['type'], data: unknown) =>
    events.push(
      createEvent<EnrollmentEvent['type']>({
        type,
        subject: id,
        sequence: ++seq,
        data: data as never,
        source: 'test',
        correlationId: 'c',
        time: new Date(T0 + seq * 1000),
      }),
    );
  add(EVENT_TYPES.requested, {
    enrollmentId: id,
    accountNumber: account,
    accountNumberGenerated: false,
    displayName: 'X',
    transport: 'inline',
    checkLiveness: true,
    timeoutSec: 120,
    mode: 'capture',
    priority: 'batch',
    requestedAt: new Date(T0).toISOString(),
    batchId: opts.batchId ?? 'b1',
    line: counter,
  });
  if (until === 'requested') return { id, account, events };
  add(EVENT_TYPES.captureStarted, {
    operationId: `op-${counter}`,
    transport: 'inline',
    operationExpiresAt: new Date(T0 + 120_000).toISOString(),
  });
  if (until === 'rejected') {
    add(EVENT_TYPES.captureCompleted, { operationId: `op-${counter}`, upstreamStatus: 2, message: 'no' });
    return { id, account, events };
  }
  add(EVENT_TYPES.captureCompleted, { operationId: `op-${counter}`, upstreamStatus: 1, message: null });
  if (until === 'captured') return { id, account, events };
  if (until === 'failed-account') {
    add(EVENT_TYPES.failed, {
      step: 'account',
      code: 'upstream_unavailable',
      message: '503',
      retryable: true,
      attempts: 15,
    });
    return { id, account, events };
  }
  add(EVENT_TYPES.accountCreated, { accountNumber: account, alreadyExisted: opts.alreadyExisted ?? false });
  if (until === 'account') return { id, account, events };
  add(EVENT_TYPES.credentialAttached, { accountNumber: account, kind: 'proofed', replacedPrevious: false });
  add(EVENT_TYPES.completed, {});
  return { id, account, events };
}

/** One stream of each kind, in order. */
const streams = <K extends Array<Parameters<typeof stream>[0]>>(...kinds: K) =>
  kinds.map((kind) => stream(kind)) as { [I in keyof K]: ReturnType<typeof stream> };

const acct = (accountNumber: string, over: Partial<EmulatorAccount> = {}): EmulatorAccount => ({
  accountNumber,
  createAttempts: 1,
  credentials: 1,
  credentialCreates: 1,
  credentialKind: 'proofed',
  ...over,
});

/** The emulator's accounts by account number, as the soak reads them. */
const upstream = (...accounts: EmulatorAccount[]) => new Map(accounts.map((a) => [a.accountNumber, a]));

function world(streams: Array<ReturnType<typeof stream>>) {
  const events = new Map(streams.map((s) => [s.id, s.events]));
  return { events, folded: foldAll(events) };
}

describe('the soak checks', () => {
  it('terminal: passes completed, rejected and failed streams; fails a stream left mid-way, a missing one, or one that does not fold', () => {
    const ok = world([stream('completed'), stream('rejected'), stream('failed-account')]);
    const pass = checkTerminal(3, ok.folded, 15);
    expect(pass.pass).toBe(true);
    expect(pass.detail).toContain('1 for exhausted retries');

    expect(
      checkTerminal(3, world([stream('completed'), stream('captured'), stream('rejected')]).folded, 15).pass,
    ).toBe(false);
    expect(checkTerminal(4, ok.folded, 15).detail).toContain('3 enrollments in the log, 4 accepted');

    const broken = stream('completed');
    broken.events.push(
      createEvent({
        type: EVENT_TYPES.completed,
        subject: broken.id,
        sequence: 99,
        data: {},
        source: 't',
        correlationId: 'c',
        discriminator: 'again',
      }),
    );
    const r = checkTerminal(1, world([broken]).folded, 15);
    expect(r.pass).toBe(false);
    expect(r.detail).toContain('do not fold');
  });

  it('duplicates: accepts a second create only when the enrollment adopted its own earlier effect', () => {
    const plain = stream('completed');
    const adopted = stream('completed', { alreadyExisted: true });
    const { folded } = world([plain, adopted]);
    const accounts = upstream(
      acct(plain.account),
      acct(adopted.account, { createAttempts: 2, credentialCreates: 2 }),
    );
    const r = checkNoDuplicates(folded, accounts);
    expect(r.pass, r.detail).toBe(true);
    expect(r.detail).toContain('1 account, 1 credential');

    // A second create that the enrollment did not account for.
    accounts.set(plain.account, acct(plain.account, { createAttempts: 2 }));
    expect(checkNoDuplicates(folded, accounts).pass).toBe(false);
    accounts.set(plain.account, acct(plain.account));
    // "Already existed" without any earlier create reaching the upstream: someone else's account adopted.
    accounts.set(adopted.account, acct(adopted.account, { createAttempts: 1 }));
    expect(checkNoDuplicates(folded, accounts).pass).toBe(false);
  });

  it('duplicates: a repeated credential create is wrong when the enrollment never attached it, and two enrollments may not claim one account', () => {
    const stuck = stream('account');
    const r = checkNoDuplicates(
      world([stuck]).folded,
      upstream(acct(stuck.account, { credentialCreates: 2 })),
    );
    expect(r.pass).toBe(false);
    expect(r.detail).toContain('never recorded credential_attached');

    const [a, b] = streams('completed', 'completed');
    b.events = b.events.map((e) =>
      e.type === EVENT_TYPES.accountCreated || e.type === EVENT_TYPES.credentialAttached
        ? ({ ...e, data: { ...e.data, accountNumber: a.account } } as EnrollmentEvent)
        : e,
    );
    const { folded } = world([a, b]);
    // fold keeps the requested account number; rebuild b's state as claiming a's account.
    const states = new Map(folded);
    const bState = folded.get(b.id)?.state;
    assert(bState);
    states.set(b.id, { state: { ...bState, accountNumber: a.account } });
    const twice = checkNoDuplicates(states, upstream(acct(a.account)));
    expect(twice.pass).toBe(false);
    expect(twice.detail).toContain('recorded as created by 2 enrollments');
  });

  it('credentials: every accepted capture needs exactly one proofed credential; rejected captures need none', () => {
    const [done, failed, rejected] = streams('completed', 'failed-account', 'rejected');
    const w = world([done, rejected]);
    expect(checkCredentials(w.events, w.folded, upstream(acct(done.account))).pass).toBe(true);
    expect(
      checkCredentials(
        w.events,
        w.folded,
        upstream(acct(done.account, { credentials: 0, credentialKind: null })),
      ).pass,
    ).toBe(false);
    const w2 = world([done, failed]);
    const r = checkCredentials(w2.events, w2.folded, upstream(acct(done.account)));
    expect(r.pass).toBe(false);
    expect(r.detail).toContain('1/2 accepted captures');
  });

  it('recorded: an upstream account or credential the log does not know about fails, and so does a logged account missing upstream', () => {
    const [done, account, rejected] = streams('completed', 'account', 'rejected');
    const { folded } = world([done, account, rejected]);
    const accounts = upstream(
      acct(done.account),
      acct(account.account, { credentials: 0, credentialCreates: 0, credentialKind: null }),
    );
    expect(checkRecorded(folded, accounts, 'soak-test-').pass).toBe(true);
    expect(
      checkRecorded(folded, upstream(...accounts.values(), acct(rejected.account)), 'soak-test-').pass,
    ).toBe(false);
    expect(
      checkRecorded(folded, upstream(...accounts.values(), acct(account.account)), 'soak-test-').detail,
    ).toContain('no credential_attached');
    expect(checkRecorded(folded, upstream(acct(done.account)), 'soak-test-').detail).toContain(
      'does not exist upstream',
    );
    // Accounts outside the soak's prefix are someone else's business.
    expect(checkRecorded(folded, upstream(...accounts.values(), acct('other-1')), 'soak-test-').pass).toBe(
      true,
    );
  });

  it('read model: equal states and counts pass; a stale, missing or different state and wrong batch counts fail', () => {
    const [a, b] = streams('completed', 'rejected');
    const { folded } = world([a, b]);
    const states = new Map<string, EnrollmentState | null>([
      [a.id, fold(a.events)],
      [b.id, fold(b.events)],
    ]);
    const counts = { total: 2, byStatus: { completed: 1, rejected: 1, requested: 0 } };
    expect(checkReadModel(folded, states, counts).pass).toBe(true);

    const stale = new Map(states).set(a.id, fold(a.events.slice(0, -1)));
    const r = checkReadModel(folded, stale, counts);
    expect(r.pass).toBe(false);
    expect(r.detail).toContain('status');
    expect(checkReadModel(folded, new Map(states).set(b.id, null), counts).detail).toContain(
      'missing from the read model',
    );
    expect(checkReadModel(folded, states, { total: 2, byStatus: { completed: 2 } }).detail).toContain(
      'batch counts differ',
    );
  });

  it('chaos: every planned fault must have happened with work in flight', () => {
    const kill = { kind: 'worker-kill' as const, atMs: 1000, inFlight: 10, downMs: 3000, detail: '' };
    const restart = { kind: 'kafka-restart' as const, atMs: 2000, inFlight: 5, downMs: 9000, detail: '' };
    expect(checkChaos({ workerKills: 1, kafkaRestarts: 1 }, [kill, restart]).pass).toBe(true);
    expect(checkChaos({ workerKills: 2, kafkaRestarts: 1 }, [kill, restart]).pass).toBe(false);
    expect(checkChaos({ workerKills: 1, kafkaRestarts: 1 }, [kill, { ...restart, inFlight: 0 }]).pass).toBe(
      false,
    );
  });

  it('the chaos plan spreads the faults over the run and puts Kafka restarts between worker kills', () => {
    const plan = chaosPlan(3, 1);
    expect(plan.map((p) => p.kind)).toEqual(['worker-kill', 'worker-kill', 'kafka-restart', 'worker-kill']);
    [0.16, 0.32, 0.48, 0.64].forEach((at, i) => expect(plan[i]?.at).toBeCloseTo(at, 5));
    expect(chaosPlan(1, 1).map((p) => p.kind)).toEqual(['worker-kill', 'kafka-restart']);
    expect(chaosPlan(0, 0)).toEqual([]);
  });
});

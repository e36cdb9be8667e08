import type { EmulatorClock } from './clock.js';
import { DueQueue } from './due-queue.js';
import { newGuid, newOneTimeSecret } from './ids.js';
import { pickInRange, pickOutcome, type UserOutcome } from './scenario.js';
import {
  OperationStatus,
  STATUS_MESSAGES,
  type OperationRecord,
  type OperationStatusCode,
} from './state/operations.js';
import type { EmulatorState } from './state/store.js';
import type { WebhookSender } from './webhook-sender.js';

/** What the caller decides about a new operation; the lifecycle fills in the rest of the record. */
export type BeginOperationInput = Pick<
  OperationRecord,
  'api' | 'name' | 'accountNumber' | 'transportType' | 'timeoutSec' | 'checkLiveness' | 'tag'
>;

/** Finished operations stay readable for 72 hours, as long as the TempId they carry lives upstream. */
export const DEFAULT_FINISHED_RETENTION_MS = 72 * 3600 * 1000;

const STATUS_BY_OUTCOME: Record<Exclude<UserOutcome, 'never'>, Exclude<OperationStatusCode, 0>> = {
  accept: OperationStatus.Accepted,
  reject: OperationStatus.Rejected,
  expire: OperationStatus.Expired,
  error: OperationStatus.Error,
  cancel: OperationStatus.Canceled,
};

/**
 * Birth and death of operations. A new operation gets the simulated user's decision from the scenario and a
 * due time on the emulator clock; it is settled either by the due-queue timer, by a clock advance, or lazily
 * by any read that finds it overdue (so a poll right after an instant "accept" already sees status 1).
 */
export class OperationLifecycle {
  private readonly queue: DueQueue;
  /** Finished operations in the order they finished, for forgetting them after the retention. */
  private finished: Array<{ operationId: string; endedAt: number }> = [];
  private finishedHead = 0;

  constructor(
    private readonly state: EmulatorState,
    private readonly clock: EmulatorClock,
    private readonly webhooks: WebhookSender,
    private readonly random: () => number = Math.random,
    /** How long a finished operation stays readable; a long-running emulator would otherwise only grow. */
    private readonly finishedRetentionMs: number = DEFAULT_FINISHED_RETENTION_MS,
  ) {
    this.queue = new DueQueue(clock, (id) => {
      this.find(id);
    });
  }

  begin(input: BeginOperationInput): OperationRecord {
    const now = this.clock.now();
    this.forgetExpired(now);
    const { user } = this.state.scenario;
    const chosen = pickOutcome(user, this.random);
    const userAt = now + pickInRange(user.afterMs, this.random);
    const timeoutAt = now + input.timeoutSec * 1000;
    // A user slower than the Timeout (or one who never acts) leaves the operation to expire (status 3).
    const timesOut = chosen === 'never' || userAt >= timeoutAt;
    const record: OperationRecord = {
      operationId: newGuid(),
      ...input,
      oneTimeSecret: newOneTimeSecret(),
      secretRedeemed: false,
      status: OperationStatus.Pending,
      message: null,
      tempId: null,
      startedAt: now,
      endedAt: null,
      plannedOutcome: timesOut ? 'expire' : chosen,
      dueAt: timesOut ? timeoutAt : userAt,
    };
    this.state.operations.add(record);
    this.queue.push(record.dueAt, record.operationId);
    return record;
  }

  /** The operation, settled against the emulator clock. */
  find(operationId: string): OperationRecord | undefined {
    this.forgetExpired(this.clock.now());
    const record = this.state.operations.get(operationId);
    if (record && record.status === OperationStatus.Pending && record.dueAt <= this.clock.now()) {
      const outcome = record.plannedOutcome;
      this.complete(record, outcome === 'never' ? OperationStatus.Expired : STATUS_BY_OUTCOME[outcome]);
    }
    return record;
  }

  /**
   * Moves an operation to `status` now (user decision, capture page, timeout or POST .../complete). Every
   * terminal change sends one webhook. Status 0 puts it back to pending until its Timeout.
   */
  complete(
    record: OperationRecord,
    status: OperationStatusCode,
    message?: string | null,
    tempId?: string,
  ): void {
    const now = this.clock.now();
    this.state.operations.setStatus(record, status);
    if (status === OperationStatus.Pending) {
      record.message = null;
      record.tempId = null;
      record.endedAt = null;
      record.secretRedeemed = false;
      record.plannedOutcome = 'expire';
      record.dueAt = now + record.timeoutSec * 1000;
      this.queue.push(record.dueAt, record.operationId);
      return;
    }
    record.message = message === undefined ? STATUS_MESSAGES[status] : message;
    record.endedAt = now;
    this.finished.push({ operationId: record.operationId, endedAt: now });
    if (status === OperationStatus.Accepted) {
      record.tempId = tempId ?? newGuid();
      this.state.tempIds.add(record.tempId, record.operationId, now);
      this.applyAcceptedSideEffects(record);
    } else {
      record.tempId = null;
    }
    this.webhooks.notify(record);
  }

  /** Runs outcomes that became due because the clock moved. */
  drainDue(): void {
    this.queue.drain();
  }

  clear(): void {
    this.queue.clear();
    this.finished = [];
    this.finishedHead = 0;
  }

  /** Drops operations that finished more than the retention ago (and were not reopened since). */
  private forgetExpired(now: number): void {
    for (let next = this.finished[this.finishedHead]; next; next = this.finished[this.finishedHead]) {
      const { operationId, endedAt } = next;
      if (now - endedAt < this.finishedRetentionMs) break;
      this.finishedHead += 1;
      const record = this.state.operations.get(operationId);
      if (record && record.status !== OperationStatus.Pending && record.endedAt === endedAt)
        this.state.operations.forget(operationId);
    }
    // Compact the queue now and then instead of shifting it on every removal.
    if (this.finishedHead > 1024 && this.finishedHead * 2 > this.finished.length) {
      this.finished = this.finished.slice(this.finishedHead);
      this.finishedHead = 0;
    }
  }

  close(): void {
    this.queue.close();
  }

  /** An accepted EnrollBioCredential operation enrols the captured face on its account (D-ENROLL). */
  private applyAcceptedSideEffects(record: OperationRecord): void {
    if (record.name !== 'EnrollBioCredential' || !record.accountNumber) return;
    const account = this.state.accounts.get(record.accountNumber);
    if (!account || account.credential) return;
    account.credentialCreates += 1;
    this.state.accounts.attachCredential(account, 'biometric', {
      Id: newGuid(),
      ExternalId: null,
      Description: 'Enrolled by EnrollBioCredential operation',
      CredentialType: 1,
      DataType: 1,
      Data: null,
      IsProofed: false,
      SourceCredentials: [],
      CreatedDate: this.clock.iso(),
      DeletedDate: null,
    });
  }
}

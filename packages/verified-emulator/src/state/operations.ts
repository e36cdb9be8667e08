import type { UserOutcome } from '../scenario.js';

/** Status codes shared by every operation kind (docs/verified-api.md §4). */
export const OperationStatus = {
  Pending: 0,
  Accepted: 1,
  Rejected: 2,
  Expired: 3,
  Error: 4,
  Canceled: 5,
} as const;
export type OperationStatusCode = (typeof OperationStatus)[keyof typeof OperationStatus];

export const STATUS_MESSAGES: Record<Exclude<OperationStatusCode, 0>, string> = {
  1: 'Operation has been accepted by the user.',
  2: 'Not authorized. Biometry verification failed.',
  // Emulator assumption: wording of the messages for 3..5 is not documented.
  3: 'Operation has expired.',
  4: 'Operation failed.',
  5: 'Operation has been canceled.',
};

export type TransportType = 0 | 1 | 2;

export interface OperationRecord {
  operationId: string;
  /** Which API started it: v1 BeginGetForeignBiometry or v2 Create New Operation. */
  api: 'foreign' | 'v2';
  name: string;
  accountNumber: string | null;
  transportType: TransportType;
  timeoutSec: number;
  checkLiveness: boolean;
  tag: string | null;
  /** Always generated so the capture page works for every transport; returned by the API only for inline. */
  oneTimeSecret: string;
  /** The capture page exchanges the secret for one UI session, once (§9 #10). */
  secretRedeemed: boolean;
  status: OperationStatusCode;
  message: string | null;
  tempId: string | null;
  startedAt: number;
  endedAt: number | null;
  /** What the simulated user will do, and when (emulator clock); `dueAt` also covers the Timeout. */
  plannedOutcome: UserOutcome;
  dueAt: number;
}

export type StatusCounters = Record<
  'pending' | 'accepted' | 'rejected' | 'expired' | 'errored' | 'canceled',
  number
>;

const COUNTER_BY_STATUS: Record<OperationStatusCode, keyof StatusCounters> = {
  0: 'pending',
  1: 'accepted',
  2: 'rejected',
  3: 'expired',
  4: 'errored',
  5: 'canceled',
};

/** Operations by id, with per-status counters maintained on every transition so stats stay O(1). */
export class OperationStore {
  private readonly records = new Map<string, OperationRecord>();
  readonly counters: StatusCounters = {
    pending: 0,
    accepted: 0,
    rejected: 0,
    expired: 0,
    errored: 0,
    canceled: 0,
  };

  add(record: OperationRecord): void {
    this.records.set(record.operationId, record);
    this.counters[COUNTER_BY_STATUS[record.status]] += 1;
  }

  get(operationId: string): OperationRecord | undefined {
    return this.records.get(operationId);
  }

  setStatus(record: OperationRecord, status: OperationStatusCode): void {
    this.counters[COUNTER_BY_STATUS[record.status]] -= 1;
    record.status = status;
    this.counters[COUNTER_BY_STATUS[status]] += 1;
  }

  /** Forgets a finished operation (the counters keep counting it under its final status). */
  forget(operationId: string): void {
    this.records.delete(operationId);
  }

  get size(): number {
    return this.records.size;
  }

  clear(): void {
    this.records.clear();
    for (const key of Object.values(COUNTER_BY_STATUS)) this.counters[key] = 0;
  }
}

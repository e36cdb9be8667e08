import type { EmulatorClock } from '../clock.js';
import { OperationStatus, type OperationRecord, type OperationStatusCode } from '../state/operations.js';

/** Shapes of operation records as the upstream shows them. */

export interface ForeignOperationView {
  OneTimeSecret: string | null;
  TempId: string | null;
  OperationId: string;
  Status: OperationStatusCode;
  Message: string | null;
  StartDate: string;
  EndDate: string | null;
}

export interface OperationStatusView {
  OperationId: string;
  Name: string;
  AccountNumber: string | null;
  Status: OperationStatusCode;
  Message: string | null;
  StartDate: string;
  EndDate: string | null;
}

export interface OperationResultView {
  Name: string;
  OperationId: string;
  Status: OperationStatusCode;
  Payload: { TempId: string | null };
}

/** "Foreign operation result" of Begin/EndGetForeignBiometry (SEED-2). */
export function foreignOperationBody(clock: EmulatorClock, op: OperationRecord): ForeignOperationView {
  return {
    // With TransportType 1/2 the secret travels in the SMS/email only and is never returned (D-OOB).
    OneTimeSecret: op.transportType === 0 ? op.oneTimeSecret : null,
    TempId: op.status === OperationStatus.Accepted ? op.tempId : null,
    OperationId: op.operationId,
    Status: op.status,
    Message: op.message,
    StartDate: clock.iso(op.startedAt),
    EndDate: op.endedAt === null ? null : clock.iso(op.endedAt),
  };
}

/** §9 #4: the full Operation Status shape is unknown; clients should depend on `Status` only. */
export function operationStatusBody(clock: EmulatorClock, op: OperationRecord): OperationStatusView {
  return {
    OperationId: op.operationId,
    Name: op.name,
    AccountNumber: op.accountNumber,
    Status: op.status,
    Message: op.message,
    StartDate: clock.iso(op.startedAt),
    EndDate: op.endedAt === null ? null : clock.iso(op.endedAt),
  };
}

/** §9 #18: a v2 GetForeignBiometry exposes its TempId as `Payload.TempId` (emulator assumption). */
export function operationResultBody(op: OperationRecord): OperationResultView {
  return {
    Name: op.name,
    OperationId: op.operationId,
    Status: op.status,
    Payload: { TempId: op.status === OperationStatus.Accepted ? op.tempId : null },
  };
}

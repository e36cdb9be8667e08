import { z } from 'zod';
import { optionalString, upstreamStatusSchema, type TransportType, type UpstreamStatus } from './common.js';

export interface CreateOperationInput {
  accountNumber: string;
  /** Operation template, e.g. `GetForeignBiometry`. */
  name: string;
  timeoutSec: number;
  transportType: TransportType;
  tag?: string;
}

export const createOperationInputSchema = z.object({
  accountNumber: z.string().min(1),
  name: z.string().min(1),
  timeoutSec: z.number().int().positive(),
  transportType: z.literal([0, 1, 2]),
  tag: z.string().optional(),
});

export function toCreateOperationWire(input: CreateOperationInput) {
  const valid = createOperationInputSchema.parse(input);
  return {
    AccountNumber: valid.accountNumber,
    Name: valid.name,
    Timeout: valid.timeoutSec,
    TransportType: valid.transportType,
    Codeword: '',
    ...(valid.tag !== undefined && { Tag: valid.tag }),
  };
}

export interface CreatedOperation {
  operationId: string;
  /** Absent for SMS and email transports: the link travels in the message the upstream sends. */
  oneTimeSecret: string | null;
}

export const createdOperationSchema = z
  .looseObject({ OperationId: z.string().min(1), OneTimeSecret: optionalString })
  .transform((wire): CreatedOperation => ({
    operationId: wire.OperationId,
    oneTimeSecret: wire.OneTimeSecret,
  }));

export interface OperationStatus {
  status: UpstreamStatus;
  message: string | null;
}

export const operationStatusSchema = z
  .looseObject({ Status: upstreamStatusSchema, Message: optionalString })
  .transform((wire): OperationStatus => ({ status: wire.Status, message: wire.Message }));

export interface OperationResult {
  name: string;
  operationId: string;
  payload: Record<string, unknown>;
  /** `Payload.TempId` of an accepted GetForeignBiometry operation. */
  tempId: string | null;
}

export const operationResultSchema = z
  .looseObject({
    Name: z.string(),
    OperationId: z.string().min(1),
    Payload: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((wire): OperationResult => {
    const payload = wire.Payload ?? {};
    const tempId = payload.TempId;
    return {
      name: wire.Name,
      operationId: wire.OperationId,
      payload,
      tempId: typeof tempId === 'string' && tempId !== '' ? tempId : null,
    };
  });

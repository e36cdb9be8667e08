import { z } from 'zod';
import { optionalString, upstreamStatusSchema, type TransportType, type UpstreamStatus } from './common.js';

export interface BeginForeignBiometryInput {
  checkLiveness: boolean;
  timeoutSec: number;
  transportType: TransportType;
  phoneNumber?: string;
  email?: string;
  introductionText?: string;
}

export const beginForeignBiometryInputSchema = z.object({
  checkLiveness: z.boolean(),
  timeoutSec: z.number().int().positive(),
  transportType: z.literal([0, 1, 2]),
  phoneNumber: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  introductionText: z.string().optional(),
});

export function toBeginForeignBiometryWire(input: BeginForeignBiometryInput) {
  const valid = beginForeignBiometryInputSchema.parse(input);
  return {
    CheckLiveness: valid.checkLiveness,
    TimeoutSec: valid.timeoutSec,
    TransportType: valid.transportType,
    ...(valid.phoneNumber !== undefined && { PhoneNumber: valid.phoneNumber }),
    ...(valid.email !== undefined && { Email: valid.email }),
    ...(valid.introductionText !== undefined && { IntroductionText: valid.introductionText }),
  };
}

export interface ForeignOperation {
  operationId: string;
  status: UpstreamStatus;
  oneTimeSecret: string | null;
  tempId: string | null;
  message: string | null;
  startDate: string | null;
  endDate: string | null;
}

/** BeginGetForeignBiometry and EndGetForeignBiometry answer with the same "foreign operation result". */
export const foreignOperationSchema = z
  .looseObject({
    OperationId: z.string().min(1),
    Status: upstreamStatusSchema,
    OneTimeSecret: optionalString,
    TempId: optionalString,
    Message: optionalString,
    StartDate: optionalString,
    EndDate: optionalString,
  })
  .transform((wire): ForeignOperation => ({
    operationId: wire.OperationId,
    status: wire.Status,
    oneTimeSecret: wire.OneTimeSecret,
    tempId: wire.TempId,
    message: wire.Message,
    startDate: wire.StartDate,
    endDate: wire.EndDate,
  }));

import type { Transport } from '@verified-onboard/events';
import { captureUrl } from '@verified-onboard/verified-client';
import { MissingContextError } from '../errors.js';
import { requestOf } from '../pipeline/request-source.js';
import type { OperationRecord } from '../stores/operation-store.js';
import type { StepContext, StepJob, StepResult } from '../pipeline/step-contract.js';

const TRANSPORT_TYPES: Record<Transport, 0 | 1 | 2> = { inline: 0, sms: 1, email: 2 };

/** Template name of the selfie capture operation on an existing account (docs/verified-api.md §3.1). */
export const RECAPTURE_OPERATION_NAME = 'GetForeignBiometry';

/**
 * Starts the upstream capture: BeginGetForeignBiometry (capture) or Create New Operation on the existing
 * account (recapture); an import has nothing to capture and never begins. The operation
 * id is stored right after the call, so a re-run never starts a second operation.
 */
export async function beginStep(job: StepJob, ctx: StepContext): Promise<StepResult> {
  const { enrollmentId } = job.data;
  const request = await requestOf(job, ctx.requests);
  // The domain core never schedules begin for an import (nothing to capture): a job that says so is not ours.
  if (request.mode === 'import')
    throw new MissingContextError(`enrollment ${enrollmentId} is an import: it has no capture to begin`);

  let record = await ctx.operations.operation(enrollmentId);
  if (!record) {
    const startedAt = ctx.now();
    const transportType = TRANSPORT_TYPES[request.transport];
    let operationId: string;
    let oneTimeSecret: string | null;
    if (request.mode === 'capture') {
      const op = await ctx.client.beginForeignBiometry({
        checkLiveness: request.checkLiveness,
        timeoutSec: request.timeoutSec,
        transportType,
        ...(request.phoneNumber !== undefined && { phoneNumber: request.phoneNumber }),
        ...(request.email !== undefined && { email: request.email }),
        ...(request.introductionText !== undefined && { introductionText: request.introductionText }),
      });
      operationId = op.operationId;
      oneTimeSecret = op.oneTimeSecret;
    } else {
      const op = await ctx.client.createOperation({
        accountNumber: request.accountNumber,
        name: RECAPTURE_OPERATION_NAME,
        timeoutSec: request.timeoutSec,
        transportType,
        tag: enrollmentId,
      });
      operationId = op.operationId;
      oneTimeSecret = op.oneTimeSecret;
    }
    record = {
      operationId,
      kind: request.mode === 'capture' ? 'foreign' : 'operation',
      startedAt,
      expiresAt: startedAt + request.timeoutSec * 1000,
    } satisfies OperationRecord;
    const url = oneTimeSecret
      ? captureUrl(ctx.config.verified.captureHost, 'operation', operationId, oneTimeSecret)
      : null;
    await ctx.operations.recordOperation(enrollmentId, record, url);
    await ctx.hints.adoptOperationHint(operationId, enrollmentId);
  }

  const url = ctx.config.eventsIncludeCaptureUrl ? await ctx.secrets.captureUrl(enrollmentId) : null;
  return {
    kind: 'observed',
    observation: {
      type: 'CaptureStarted',
      operationId: record.operationId,
      transport: request.transport,
      operationExpiresAt: new Date(record.expiresAt).toISOString(),
      ...(url && { captureUrl: url }),
    },
  };
}

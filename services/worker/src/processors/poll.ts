import { MissingContextError, MissingTempIdError } from '../errors.js';
import { effectiveSchedule, nextPoll } from '../pipeline/poll-schedule.js';
import { TEMPID_LIFETIME_MS } from '../pipeline/secrets.js';
import type { StepContext, StepJob, StepResult } from '../pipeline/step-contract.js';

type Status = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * Asks the upstream for the operation's status (EndGetForeignBiometry or Operation Status). While it is
 * pending the same job re-delays itself on the poll schedule; hints promote it early. A final status ends
 * polling with capture_completed; an accepted capture keeps its TempId in the secret store only.
 */
export async function pollStep(job: StepJob, ctx: StepContext): Promise<StepResult> {
  const { enrollmentId } = job.data;
  const record = await ctx.operations.operation(enrollmentId);
  if (!record) throw new MissingContextError(`no upstream operation recorded for enrollment ${enrollmentId}`);
  // Everything hinted so far is answered by the look that follows.
  await ctx.hints.clear(enrollmentId);

  let status: Status;
  let message: string | null;
  let tempId: string | null = null;
  if (record.kind === 'foreign') {
    const op = await ctx.client.getForeignBiometry(record.operationId);
    ({ status, message } = op);
    tempId = op.tempId;
  } else {
    const op = await ctx.client.getOperationStatus(record.operationId);
    ({ status, message } = op);
    if (status === 1) tempId = (await ctx.client.getOperationResult(record.operationId)).tempId;
  }

  const now = ctx.now();
  const progress = job.data.poll ?? { startedAt: now, previousDelayMs: 0, count: 0 };
  if (status === 0) {
    const schedule = effectiveSchedule(ctx.config.poll, ctx.webhooks.active);
    const decision = nextPoll(schedule, { ...progress, operationExpiresAt: record.expiresAt }, now);
    if (decision.kind === 'give_up') {
      return {
        kind: 'observed',
        observation: { type: 'PollDeadlinePassed', operationId: record.operationId },
      };
    }
    const hinted = await ctx.hints.take(enrollmentId);
    const delayMs = hinted ? Math.min(decision.delayMs, ctx.config.poll.hintRecheckMs) : decision.delayMs;
    return {
      kind: 'pending',
      recheckInMs: delayMs,
      poll: { startedAt: progress.startedAt, previousDelayMs: decision.delayMs, count: progress.count + 1 },
    };
  }

  if (status !== 1) {
    return {
      kind: 'observed',
      observation: {
        type: 'CaptureObserved',
        operationId: record.operationId,
        upstreamStatus: status,
        message,
      },
    };
  }
  if (!tempId) throw new MissingTempIdError(`operation ${record.operationId} accepted without a TempId`);
  const stored = await ctx.secrets.putTempId(enrollmentId, tempId, now);
  return {
    kind: 'observed',
    observation: {
      type: 'CaptureObserved',
      operationId: record.operationId,
      upstreamStatus: 1,
      message,
      tempIdExpiresAt: new Date(stored.obtainedAt + TEMPID_LIFETIME_MS).toISOString(),
    },
  };
}

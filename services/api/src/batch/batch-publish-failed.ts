import { ApiError } from '../errors.js';
import { PublishFailedError, PublishOutcomeUnknownError } from '../publishing/publisher.js';

/**
 * A batch whose publishing failed part-way. 503 `kafka_unavailable` only when nothing of it can have been accepted
 * (no line acknowledged and every failed publish was withdrawn or never sent); otherwise 502
 * `batch_publish_failed` with the acknowledged count, because some lines were (and others may have been) accepted.
 * Either way the client resubmits with the same Idempotency-Key (or the X-Batch-Id it was given): lines already
 * published are not published again, and the ids of the others are the same, so nothing is duplicated.
 */
export class BatchPublishFailedError extends ApiError {
  readonly statusCode: 502 | 503;

  constructor(accepted: number, failures: readonly unknown[]) {
    const nothingAccepted = accepted === 0 && failures.every((f) => f instanceof PublishFailedError);
    super(
      nothingAccepted ? 'kafka_unavailable' : 'batch_publish_failed',
      nothingAccepted
        ? 'The event log did not acknowledge the batch; nothing was accepted, retry later with the same Idempotency-Key.'
        : `The event log failed part-way: ${accepted} line(s) were accepted and others may have been; resubmit with the same Idempotency-Key (or X-Batch-Id) to publish the rest without duplicates.`,
      nothingAccepted ? [] : [{ field: 'accepted', reason: String(accepted) }],
    );
    this.statusCode = nothingAccepted ? 503 : 502;
    if (nothingAccepted) this.headers['retry-after'] = '5';
  }

  static isPublishFailure(error: unknown): boolean {
    return error instanceof PublishFailedError || error instanceof PublishOutcomeUnknownError;
  }
}

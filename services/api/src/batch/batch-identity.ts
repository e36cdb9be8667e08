import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-keys.js';
import type { RedisKeys } from '../enrollments/keys.js';
import { enrollmentIdSchema } from '../enrollments/schemas.js';
import { NotFoundError, ValidationFailedError } from '../errors.js';
import { batchIdFromClientKey, newBatchId } from '../ids.js';
import { readBatchRecord } from './batch-ingestor.js';

export interface BatchIdentity {
  batchId: string;
  /** An earlier submission of this batch exists: lines it published are skipped, not published again. */
  resumed: boolean;
}

/**
 * Which batch a submission is. `X-Batch-Id` names a batch this service issued (the header of an earlier answer,
 * or the batchId detail of a 503) and resumes it; an `Idempotency-Key` derives the batch id from the key id and the
 * client's key, so a resubmission with the same key resumes too. A batch id of another tenant answers exactly as an
 * unknown one.
 */
export async function resolveBatchIdentity(
  redis: Redis,
  keys: RedisKeys,
  principal: Principal,
  headers: { idempotencyKey?: string | undefined; batchId?: string | undefined },
): Promise<BatchIdentity> {
  if (headers.batchId !== undefined) {
    if (!enrollmentIdSchema.safeParse(headers.batchId).success) {
      throw new ValidationFailedError(
        [
          {
            field: 'X-Batch-Id',
            reason:
              'must be a batch id this service issued (a UUID); to name a batch yourself use Idempotency-Key',
          },
        ],
        'X-Batch-Id is not a batch id.',
        'invalid_batch_id',
      );
    }
    const record = await readBatchRecord(redis, keys, headers.batchId);
    if (!record || record.tenant !== principal.tenant)
      throw new NotFoundError(`Batch ${headers.batchId}`, 'batch_not_found');
    return { batchId: headers.batchId, resumed: true };
  }
  if (headers.idempotencyKey !== undefined) {
    const batchId = batchIdFromClientKey(principal.keyId, headers.idempotencyKey);
    const record = await readBatchRecord(redis, keys, batchId);
    if (record && record.tenant !== principal.tenant)
      throw new NotFoundError(`Batch ${batchId}`, 'batch_not_found');
    return { batchId, resumed: record !== null };
  }
  return { batchId: newBatchId(), resumed: false };
}

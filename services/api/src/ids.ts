import { randomUUID } from 'node:crypto';
import { uuidV5 } from '@verified-onboard/events';

// Namespace of the api's name-based ids. Changing it would give every resubmitted batch new enrollment ids,
// so it is part of the idempotency contract.
const API_ID_NAMESPACE = '6f1c2b0e-4a5d-4c1e-9b7a-3d2f8e6c5b4a';

export const nameBasedUuid = (name: string): string => uuidV5(name, API_ID_NAMESPACE);

/** Enrollment id of line `line` of batch `batchId`: the same on every resubmission, so events dedupe downstream. */
export const batchEnrollmentId = (batchId: string, line: number) =>
  nameBasedUuid(`batch:${batchId}:line:${line}`);

/** A client's batch id (Idempotency-Key / X-Batch-Id) is scoped to its API key so two clients never collide. */
export const batchIdFromClientKey = (apiKeyId: string, clientKey: string) =>
  nameBasedUuid(`batch:${apiKeyId}:${clientKey}`);

/** Enrollment id for a single request carrying an Idempotency-Key: a late-acknowledged publish and its retry share ids. */
export const idempotentEnrollmentId = (apiKeyId: string, key: string) =>
  nameBasedUuid(`enrollment:${apiKeyId}:${key}`);

/** AccountNumber generated when the client sent none: opaque (the platform recommends a GUID over user names). */
export const generatedAccountNumber = (enrollmentId: string) => nameBasedUuid(`account:${enrollmentId}`);

export const newEnrollmentId = () => randomUUID();
export const newBatchId = () => randomUUID();

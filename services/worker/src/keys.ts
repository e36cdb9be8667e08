/**
 * Every Redis key the worker owns, in one place (docs/worker.md lists them). `prefix` is QUEUE_PREFIX;
 * keys shared with the api (secrets) follow docs/contracts.md section 5 exactly.
 */
export function workerKeys(prefix: string) {
  return {
    accountIntent: (accountNumber: string) => `${prefix}:intent:account:${accountNumber}`,
    credentialIntent: (accountNumber: string) => `${prefix}:intent:credential:${accountNumber}`,
    credentialReplaced: (enrollmentId: string) => `${prefix}:intent:credential-replaced:${enrollmentId}`,
    operation: (enrollmentId: string) => `${prefix}:op:${enrollmentId}`,
    operationIndex: (operationId: string) => `${prefix}:op-index:${operationId}`,
    tempIdSecret: (enrollmentId: string) => `${prefix}:secret:tempid:${enrollmentId}`,
    captureUrlSecret: (enrollmentId: string) => `${prefix}:secret:capture-url:${enrollmentId}`,
    outcome: (jobId: string) => `${prefix}:outcome:${jobId}`,
    hint: (enrollmentId: string) => `${prefix}:hint:${enrollmentId}`,
    operationHint: (operationId: string) => `${prefix}:hint-op:${operationId}`,
    pollJob: (enrollmentId: string) => `${prefix}:poll-job:${enrollmentId}`,
  };
}
export type WorkerKeys = ReturnType<typeof workerKeys>;

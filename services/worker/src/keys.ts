import { sharedKeys } from '@verified-onboard/contracts';
import type { Redis } from 'ioredis';

/**
 * Every Redis key the worker owns, in one place (docs/worker.md lists them). `prefix` is QUEUE_PREFIX;
 * keys shared with the api (secrets) follow docs/architecture.md (the keys the api and the worker share) exactly.
 */
export function workerKeys(prefix: string) {
  const shared = sharedKeys(prefix);
  return {
    accountIntent: (accountNumber: string) => `${prefix}:intent:account:${accountNumber}`,
    /** Tenant that created the account; shared with the api, which admits recapture only to that tenant. */
    accountOwner: shared.accountOwner,
    credentialIntent: (accountNumber: string) => `${prefix}:intent:credential:${accountNumber}`,
    credentialReplaced: (enrollmentId: string) => `${prefix}:intent:credential-replaced:${enrollmentId}`,
    /**
     * The worker's book of an enrollment's steps, one small hash (`wk:`): the operation record, the parked poll
     * and the done-job markers. Not the enrollment itself, which is the read model's record.
     */
    stepBook: (enrollmentId: string) => `${prefix}:wk:${enrollmentId}`,
    operationIndex: (operationId: string) => `${prefix}:op-index:${operationId}`,
    tempIdSecret: shared.tempIdSecret,
    captureUrlSecret: shared.captureUrlSecret,
    outcome: (jobId: string) => `${prefix}:outcome:${jobId}`,
    hint: (enrollmentId: string) => `${prefix}:hint:${enrollmentId}`,
    operationHint: (operationId: string) => `${prefix}:hint-op:${operationId}`,
    /** Sorted set of parked poll job ids by due time (ParkedPolls). */
    parkedPolls: () => `${prefix}:parked-polls`,
  };
}
export type WorkerKeys = ReturnType<typeof workerKeys>;

// HSET and EXPIRE of one key, atomically: one EVALSHA and its two commands instead of MULTI, HSET, EXPIRE,
// EXEC. Every step writes the enrollment hash this way, so the two commands saved count (docs/benchmarks.md).
const HSET_TTL_SCRIPT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
`;

interface HashTtlCommands {
  voHsetTtl(key: string, ttlSec: number, ...fieldsAndValues: Array<string | number>): Promise<unknown>;
}

/**
 * Defines the hash-with-TTL script on a connection. An auto-pipelined connection must have it before its first
 * command: a pipeline pending when the script is defined lacks it, and ioredis then crashes the process.
 */
export function defineHashTtlCommand(redis: Redis): void {
  const commands = redis as Redis & Partial<HashTtlCommands>;
  if (!commands.voHsetTtl) redis.defineCommand('voHsetTtl', { numberOfKeys: 1, lua: HSET_TTL_SCRIPT });
}

/** Sets fields of the hash `key` and (re)sets its TTL, atomically (a crash never leaves it without one). */
export async function hsetWithTtl(
  redis: Redis,
  key: string,
  ttlSec: number,
  fieldsAndValues: Array<string | number>,
): Promise<void> {
  defineHashTtlCommand(redis);
  await (redis as Redis & HashTtlCommands).voHsetTtl(key, ttlSec, ...fieldsAndValues);
}

/** A store of the worker's records in its keyspace, each kept `ttlSec`. */
export abstract class ExpiringStore {
  protected readonly keys: WorkerKeys;

  constructor(
    protected readonly redis: Redis,
    prefix: string,
    protected readonly ttlSec: number,
  ) {
    this.keys = workerKeys(prefix);
  }
}

/**
 * Fields of the per-enrollment hash (`enrollment` key). Values stay short so Redis keeps the hash in its
 * compact listpack encoding: one key with a few tiny fields instead of a key per fact (docs/benchmarks.md).
 */
export const ENROLLMENT_FIELDS = {
  operationId: 'op',
  operationKind: 'opk',
  operationStartedAt: 'ops',
  operationExpiresAt: 'ope',
  // A stored field name that reads like the step; it must not follow a rename of the step.
  // eslint-disable-next-line no-restricted-syntax
  pollJob: 'poll',
  /** A parked poll's job data (ParkedPolls): correlation, causation, requestedAt and `seq|mode|priority|poll progress`. */
  parkedCorrelation: 'pc',
  parkedCausation: 'pa',
  parkedRequestedAt: 'pr',
  parkedPosition: 'ps',
  /** Marker of a finished job, by the job id without the enrollment id (e.g. `done:begin.0`). */
  done: (enrollmentId: string, jobId: string) =>
    `done:${jobId.startsWith(`${enrollmentId}.`) ? jobId.slice(enrollmentId.length + 1) : jobId}`,
} as const;

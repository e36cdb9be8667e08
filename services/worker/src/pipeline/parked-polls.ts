import { STEPS } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ENROLLMENT_FIELDS as F, hsetWithTtl, workerKeys, type WorkerKeys } from '../keys.js';
import type { StepsQueue } from '../queues/steps-queue.js';
import { parseStepJobId, stepJobId, type StepJobData } from './job-data.js';

// Takes the members due at ARGV[1] (at most ARGV[3]) and leases them: their score moves to ARGV[1] + ARGV[2],
// so a dispatcher that dies before it enqueued them leaves them due again after the lease, not lost.
const LEASE_DUE_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local leaseUntil = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], leaseUntil, member) end
return due
`;

interface ParkedPollCommands {
  voLeaseDuePolls(key: string, now: number, leaseMs: number, limit: number): Promise<string[]>;
}

export interface ParkedPollsOptions {
  /** TTL of the enrollment hash the parked job data is kept in (the ownership TTL). */
  enrollmentTtlSec: number;
  /** How long a dispatched poll stays away from other dispatchers before it can be dispatched again. */
  leaseMs: number;
  /** Most polls moved onto the queue per dispatch. */
  batch: number;
  logger: Logger;
}

/**
 * Polls of pending operations wait here instead of as delayed BullMQ jobs: one sorted-set member (the poll
 * job id, scored by when it is due) plus four short fields in the enrollment hash, about 0.5 KB, where a
 * delayed job costs 1.1 KB with no data at all and 1.4 KB with ours (docs/benchmarks.md, footprint). People
 * can take days to finish a capture, so at volume most enrollments are exactly here.
 *
 * A dispatcher moves due polls onto the queue as ordinary jobs with the poll's deterministic id; each run
 * of a pending operation parks it again. A poll job is removed when it completes, so the same id can be
 * dispatched again, and a dispatch while it still exists (waiting, active, retrying) is a no-op.
 */
export class ParkedPolls {
  readonly key: string;
  private readonly keys: WorkerKeys;
  private readonly redis: Redis & ParkedPollCommands;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly queue: StepsQueue,
    private readonly options: ParkedPollsOptions,
  ) {
    const commands = redis as Redis & Partial<ParkedPollCommands>;
    if (!commands.voLeaseDuePolls)
      redis.defineCommand('voLeaseDuePolls', { numberOfKeys: 1, lua: LEASE_DUE_SCRIPT });
    this.redis = redis as Redis & ParkedPollCommands;
    this.keys = workerKeys(prefix);
    this.key = this.keys.parkedPolls();
  }

  /** Parks the poll until `dueAt` (ms since epoch); returns its job id. */
  async park(data: StepJobData, dueAt: number): Promise<string> {
    const jobId = stepJobId(data.enrollmentId, STEPS.poll, data.generation);
    const key = this.keys.stepBook(data.enrollmentId);
    // Before its first run a poll has no progress yet (its fast phase starts when it first runs).
    const progress = data.poll
      ? [data.poll.startedAt, data.poll.previousDelayMs, data.poll.count]
      : ['', '', ''];
    // Short values keep the hash in Redis's compact encoding (a 150-byte JSON field would double its size).
    // The hash first, the sorted-set member after, not in one transaction (the parked-poll set and the
    // enrollment hash sit in different Redis Cluster hash slots): a dispatcher that sees the member always
    // finds the data. Park runs inside the job that hands over to the poll, so a crash between the two
    // leaves that job to run again (stalled-job recovery), and it parks again.
    await hsetWithTtl(this.redis, key, this.options.enrollmentTtlSec, [
      F.pollJob,
      jobId,
      F.parkedCorrelation,
      data.correlationId,
      F.parkedCausation,
      data.causationId ?? '',
      F.parkedRequestedAt,
      data.requestedAt,
      F.parkedPosition,
      [data.nextSequence, data.mode, data.priority, ...progress].join('|'),
    ]);
    await this.redis.zadd(this.key, dueAt, jobId);
    return jobId;
  }

  /** Makes the enrollment's parked poll due now; 'kept' when none is parked (it is on the queue already). */
  async promote(enrollmentId: string): Promise<'promoted' | 'kept'> {
    const jobId = await this.redis.hget(this.keys.stepBook(enrollmentId), F.pollJob);
    if (!jobId) return 'kept';
    return (await this.redis.zadd(this.key, 'XX', 'CH', Date.now(), jobId)) === 1 ? 'promoted' : 'kept';
  }

  /** The poll reached a final outcome: nothing to dispatch any more. */
  async release(jobId: string): Promise<void> {
    await this.redis.zrem(this.key, jobId);
  }

  count(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  /** How long the earliest parked poll has been due at `now` (0 when none is due): a stuck dispatch shows here. */
  async overdueMs(now = Date.now()): Promise<number> {
    const [, score] = await this.redis.zrange(this.key, 0, 0, 'WITHSCORES');
    return score === undefined ? 0 : Math.max(0, now - Number(score));
  }

  /** Moves due polls onto the queue; returns how many were due. */
  async dispatchDue(now = Date.now()): Promise<number> {
    const due = await this.redis.voLeaseDuePolls(this.key, now, this.options.leaseMs, this.options.batch);
    if (due.length === 0) return 0;
    const parked = await Promise.all(due.map((jobId) => this.read(jobId)));
    const jobs = parked
      .filter((data): data is StepJobData => data !== null)
      .map((data) => ({ step: STEPS.poll, data }));
    const orphans = due.filter((_, i) => parked[i] === null);
    if (orphans.length > 0) {
      // Superseded by a newer generation's poll (ops retry), or the enrollment hash expired (30 days untouched).
      this.options.logger.warn({ jobIds: orphans }, 'stale parked polls dropped');
      await this.redis.zrem(this.key, ...orphans);
    }
    await this.queue.enqueueMany(jobs);
    return due.length;
  }

  private async read(jobId: string): Promise<StepJobData | null> {
    const id = parseStepJobId(jobId);
    if (id?.step !== STEPS.poll) return null;
    const { enrollmentId, generation } = id;
    const [current, correlationId, causationId, requestedAt, position] = await this.redis.hmget(
      this.keys.stepBook(enrollmentId),
      F.pollJob,
      F.parkedCorrelation,
      F.parkedCausation,
      F.parkedRequestedAt,
      F.parkedPosition,
    );
    // A newer generation (an ops retry) parked its own poll under another id: this one is stale.
    if (current !== jobId || !correlationId || !requestedAt || !position) return null;
    const [nextSequence, mode, priority, startedAt, previousDelayMs, count] = position.split('|') as [
      string,
      StepJobData['mode'],
      StepJobData['priority'],
      string,
      string,
      string,
    ];
    return {
      enrollmentId,
      generation,
      nextSequence: Number(nextSequence),
      correlationId,
      causationId: causationId || null,
      admission: 'continuing',
      mode,
      priority,
      requestedAt,
      ...(startedAt !== '' && {
        poll: {
          startedAt: Number(startedAt),
          previousDelayMs: Number(previousDelayMs),
          count: Number(count),
        },
      }),
    };
  }
}

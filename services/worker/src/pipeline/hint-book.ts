import type { Redis } from 'ioredis';
import { ENROLLMENT_FIELDS as F, workerKeys, type WorkerKeys } from '../keys.js';
import type { StepsQueue } from '../queues/steps-queue.js';

const HINT_TTL_SEC = 24 * 3600;

/**
 * Hints (webhook, capture page finished) make a delayed poll run now. A hint may arrive before the
 * begin step has stored the operation or enqueued the poll, so it is written down first and looked for
 * by the other side afterwards ("write, then check" on both sides): whichever comes second sees the
 * other, and a hint is never dropped. Only the poll step consumes hints.
 */
export class HintBook {
  private readonly keys: WorkerKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly queue: StepsQueue,
    /** TTL of the enrollment hash the poll job id is kept in (the ownership TTL). */
    private readonly enrollmentTtlSec: number,
  ) {
    this.keys = workerKeys(prefix);
  }

  /** Consumer side, by enrollment id. */
  async hintEnrollment(enrollmentId: string, receivedAt: string): Promise<'promoted' | 'kept'> {
    await this.redis.set(this.keys.hint(enrollmentId), receivedAt, 'EX', HINT_TTL_SEC);
    return this.promotePoll(enrollmentId);
  }

  /** Consumer side, by operation id (webhooks): resolves the enrollment through the begin step's index. */
  async hintOperation(operationId: string, receivedAt: string): Promise<'promoted' | 'kept'> {
    const key = this.keys.operationHint(operationId);
    await this.redis.set(key, receivedAt, 'EX', HINT_TTL_SEC);
    const enrollmentId = await this.redis.get(this.keys.operationIndex(operationId));
    if (!enrollmentId) return 'kept';
    await this.redis.del(key);
    return this.hintEnrollment(enrollmentId, receivedAt);
  }

  /** Begin side, right after the operation index is stored: adopts a hint that came by operation id. */
  async adoptOperationHint(operationId: string, enrollmentId: string): Promise<void> {
    const receivedAt = await this.redis.getdel(this.keys.operationHint(operationId));
    if (receivedAt) await this.redis.set(this.keys.hint(enrollmentId), receivedAt, 'EX', HINT_TTL_SEC);
  }

  /** Begin side, after the poll job was enqueued: promotes it when a hint is already waiting. */
  async pollEnqueued(enrollmentId: string, jobId: string): Promise<void> {
    const key = this.keys.enrollment(enrollmentId);
    await this.redis.multi().hset(key, F.pollJob, jobId).expire(key, this.enrollmentTtlSec).exec();
    if (await this.redis.exists(this.keys.hint(enrollmentId))) await this.queue.promote(jobId);
  }

  /** Poll side, before asking the upstream: this look honours every hint received so far. */
  async clear(enrollmentId: string): Promise<void> {
    await this.redis.del(this.keys.hint(enrollmentId));
  }

  /** Poll side, when about to re-delay: a hint that came while the poll was running asks for an early look. */
  async take(enrollmentId: string): Promise<boolean> {
    return (await this.redis.getdel(this.keys.hint(enrollmentId))) !== null;
  }

  private async promotePoll(enrollmentId: string): Promise<'promoted' | 'kept'> {
    const jobId = await this.redis.hget(this.keys.enrollment(enrollmentId), F.pollJob);
    if (!jobId) return 'kept';
    return (await this.queue.promote(jobId)) === 'promoted' ? 'promoted' : 'kept';
  }
}

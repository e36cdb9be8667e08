import type { Redis } from 'ioredis';
import { workerKeys, type WorkerKeys } from '../keys.js';
import type { ParkedPolls } from './parked-polls.js';

const HINT_TTL_SEC = 24 * 3600;
/**
 * A hint by operation id waits only for the begin step that is recording that operation right now; a forged or
 * stale id must not hold Redis memory for a day.
 */
const OPERATION_HINT_TTL_SEC = 10 * 60;

/**
 * Hints (webhook, capture page finished) make a parked poll due now. A hint may arrive before the begin
 * step has stored the operation or parked the poll, or while a poll runs and is about to park again, so it
 * is written down first and looked for by the other side afterwards ("write, then check" on both sides):
 * whichever comes second sees the other, and a hint is never dropped. Only the poll step consumes hints.
 */
export class HintBook {
  private readonly keys: WorkerKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly parked: ParkedPolls,
  ) {
    this.keys = workerKeys(prefix);
  }

  /** Consumer side, by enrollment id. */
  async hintEnrollment(enrollmentId: string, receivedAt: string): Promise<'promoted' | 'kept'> {
    await this.redis.set(this.keys.hint(enrollmentId), receivedAt, 'EX', HINT_TTL_SEC);
    return this.parked.promote(enrollmentId);
  }

  /** Consumer side, by operation id (webhooks): resolves the enrollment through the begin step's index. */
  async hintOperation(operationId: string, receivedAt: string): Promise<'promoted' | 'kept'> {
    const index = this.keys.operationIndex(operationId);
    const known = await this.redis.get(index);
    if (known) return this.hintEnrollment(known, receivedAt);
    // Unknown yet: write the hint down, then look again (begin adopts it after storing the index).
    const key = this.keys.operationHint(operationId);
    await this.redis.set(key, receivedAt, 'EX', OPERATION_HINT_TTL_SEC);
    const enrollmentId = await this.redis.get(index);
    if (!enrollmentId) return 'kept';
    await this.redis.del(key);
    return this.hintEnrollment(enrollmentId, receivedAt);
  }

  /** Begin side, right after the operation index is stored: adopts a hint that came by operation id. */
  async adoptOperationHint(operationId: string, enrollmentId: string): Promise<void> {
    const receivedAt = await this.redis.getdel(this.keys.operationHint(operationId));
    if (receivedAt) await this.redis.set(this.keys.hint(enrollmentId), receivedAt, 'EX', HINT_TTL_SEC);
  }

  /** After a poll was parked: a hint already waiting makes it due now. */
  async onPollParked(enrollmentId: string): Promise<void> {
    if (await this.redis.exists(this.keys.hint(enrollmentId))) await this.parked.promote(enrollmentId);
  }

  /** Poll side, before asking the upstream: this look honours every hint received so far. */
  async clear(enrollmentId: string): Promise<void> {
    await this.redis.del(this.keys.hint(enrollmentId));
  }

  /** Poll side, when about to park again: a hint that came while the poll was running asks for an early look. */
  async take(enrollmentId: string): Promise<boolean> {
    return (await this.redis.getdel(this.keys.hint(enrollmentId))) !== null;
  }
}

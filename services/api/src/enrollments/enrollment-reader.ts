import type { EnrollmentEvent, EnrollmentState } from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import type { ReadModelSource } from './read-model-source.js';
import type { EnrollmentView } from './schemas.js';

/** What the api remembers of an enrollment it accepted, until the projector has caught up. */
export interface AcceptedRecord {
  id: string;
  accountNumber: string;
  mode: EnrollmentView['mode'];
  batchId?: string;
  createdAt: string;
}

// Long enough for any projector lag; the read model is the truth afterwards.
export const ACCEPTED_RECORD_TTL_SEC = 7 * 24 * 3600;

export function toView(state: EnrollmentState, captureUrl: string | null): EnrollmentView {
  return {
    id: state.id,
    accountNumber: state.accountNumber,
    mode: state.mode,
    status: state.status,
    ...(state.operationId ? { operationId: state.operationId } : {}),
    ...(captureUrl ? { captureUrl } : {}),
    ...(state.failure
      ? {
          failure: {
            step: state.failure.step,
            code: state.failure.code,
            message: state.failure.message,
            retryable: state.failure.retryable,
          },
        }
      : {}),
    ...(state.batchId ? { batchId: state.batchId } : {}),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    version: state.version,
  };
}

export class EnrollmentReader {
  constructor(
    private readonly redis: Redis,
    private readonly readModel: ReadModelSource,
    private readonly keys: RedisKeys,
  ) {}

  async state(id: string): Promise<EnrollmentState | null> {
    return (await this.readModel()).get(id);
  }

  /** The read model's view, or the "accepted" record (status requested) between 202 and projection; null if unknown. */
  async view(id: string): Promise<EnrollmentView | null> {
    const state = await (await this.readModel()).get(id);
    if (state) {
      const captureUrl =
        state.status === 'capture_pending' && state.request.transport === 'inline'
          ? await this.redis.get(this.keys.captureUrl(id))
          : null;
      return toView(state, captureUrl);
    }
    const raw = await this.redis.get(this.keys.accepted(id));
    if (!raw) return null;
    const record = JSON.parse(raw) as AcceptedRecord;
    return {
      id: record.id,
      accountNumber: record.accountNumber,
      mode: record.mode,
      status: 'requested',
      ...(record.batchId ? { batchId: record.batchId } : {}),
      createdAt: record.createdAt,
      updatedAt: record.createdAt,
      version: 0,
    };
  }

  async events(id: string): Promise<EnrollmentEvent[] | null> {
    const events = await (await this.readModel()).events(id);
    if (events.length > 0) return [...events].sort((a, b) => a.sequence - b.sequence);
    return (await this.redis.exists(this.keys.accepted(id))) ? [] : null;
  }

  async remember(record: AcceptedRecord): Promise<void> {
    await this.redis.set(
      this.keys.accepted(record.id),
      JSON.stringify(record),
      'EX',
      ACCEPTED_RECORD_TTL_SEC,
    );
  }
}

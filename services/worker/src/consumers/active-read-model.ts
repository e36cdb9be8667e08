import { ReadModel, type ApplyResult, type EnrollmentEvent, type EnrollmentState } from '@verified-onboard/events';
import type { Redis } from 'ioredis';

/**
 * The read model in the active keyspace: after a rebuild, ops switch readers to the new keyspace
 * (ReadModel.switchKeyspace) and the live projector must follow, or it would keep feeding the old one.
 * The pointer is looked up at most every `refreshMs` (one GET, not one per event).
 */
export class ActiveReadModel {
  private current: { model: ReadModel; at: number } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly basePrefix: string,
    private readonly refreshMs = 1000,
  ) {}

  async model(): Promise<ReadModel> {
    const now = Date.now();
    if (this.current && now - this.current.at < this.refreshMs) return this.current.model;
    const prefix = await ReadModel.activeKeyspace(this.redis, this.basePrefix);
    const model = this.current?.model.prefix === prefix ? this.current.model : new ReadModel(this.redis, { prefix });
    this.current = { model, at: now };
    return model;
  }

  async applyEvent(event: EnrollmentEvent): Promise<ApplyResult> {
    return (await this.model()).applyEvent(event);
  }

  async get(enrollmentId: string): Promise<EnrollmentState | null> {
    return (await this.model()).get(enrollmentId);
  }
}

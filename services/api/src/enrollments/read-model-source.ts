import { ReadModel } from '@verified-onboard/adapters';
import type { Redis } from 'ioredis';

/** The read model to read from now: a projection rebuild switches keyspaces, and readers must follow. */
export type ReadModelSource = () => Promise<ReadModel>;

export const fixedReadModel =
  (readModel: ReadModel): ReadModelSource =>
  () =>
    Promise.resolve(readModel);

/** Follows ReadModel's active-keyspace pointer, looked up at most every `refreshMs` (one GET, not one per read). */
export function activeReadModel(redis: Redis, basePrefix: string, refreshMs = 1000): ReadModelSource {
  let current: { model: ReadModel; at: number } | null = null;
  return async () => {
    const now = Date.now();
    if (current && now - current.at < refreshMs) return current.model;
    const prefix = await ReadModel.activeKeyspace(redis, basePrefix);
    const model = current?.model.prefix === prefix ? current.model : new ReadModel(redis, { prefix });
    current = { model, at: now };
    return model;
  };
}

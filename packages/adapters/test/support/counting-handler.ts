import type { Redis } from 'ioredis';
import type { EnrollmentEvent } from '@verified-onboard/events';
import type { ConsumedEvent } from '../../src/index.js';

/**
 * The consumer-side effect the round-trip tests measure: per event id a counter (double-apply shows as 2)
 * and per enrollment the list of applied events (to fold afterwards). Sits behind the dedupe. The keys share the
 * hash tag `{applied}` so that the MULTI writing both names one slot, as a Redis Cluster requires.
 */
const countKey = (prefix: string) => `${prefix}{applied}count`;
const eventsKey = (prefix: string, enrollmentId: string) => `${prefix}{applied}events:${enrollmentId}`;

export function countingHandler(redis: Redis, prefix: string) {
  return async ({ event }: ConsumedEvent) => {
    await redis
      .multi()
      .hincrby(countKey(prefix), event.id, 1)
      .rpush(eventsKey(prefix, event.subject), JSON.stringify(event))
      .exec();
  };
}

export async function appliedEvents(
  redis: Redis,
  prefix: string,
  enrollmentId: string,
): Promise<EnrollmentEvent[]> {
  return (await redis.lrange(eventsKey(prefix, enrollmentId), 0, -1)).map(
    (s) => JSON.parse(s) as EnrollmentEvent,
  );
}

export async function counts(redis: Redis, prefix: string): Promise<Record<string, number>> {
  const raw = await redis.hgetall(countKey(prefix));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
}

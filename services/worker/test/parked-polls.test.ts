// Parked polls against a real Redis, without a worker: when a poll becomes due, that a dispatcher crash
// loses nothing, and that an ops retry's newer poll supersedes the old one.
import { parseQueuePrefix } from '@verified-onboard/contracts';
import { deleteKeysWithPrefix, isolatedNames, redisClient, testInfra } from '@verified-onboard/devstack';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepJobId, type StepJobData } from '../src/pipeline/job-data.js';
import { ParkedPolls } from '../src/pipeline/parked-polls.js';
import { StepsQueue } from '../src/queues/steps-queue.js';

const LEASE_MS = 30_000;

describe('parked polls', () => {
  const names = isolatedNames('worker-parked-polls');
  let redis: Redis;
  let queue: StepsQueue;
  let parked: ParkedPolls;

  beforeAll(() => {
    redis = redisClient(testInfra().redisUrl);
    queue = new StepsQueue({
      connection: redisClient(testInfra().redisUrl, { maxRetriesPerRequest: null }),
      prefix: parseQueuePrefix(names.queuePrefix).queue,
      attempts: 3,
    });
    parked = new ParkedPolls(redis, names.queuePrefix, queue, {
      enrollmentTtlSec: 3600,
      leaseMs: LEASE_MS,
      batch: 100,
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
    await deleteKeysWithPrefix(redis, names.queuePrefix);
    redis?.disconnect();
  });

  let n = 0;
  function pollData(overrides: Partial<StepJobData> = {}): StepJobData {
    n += 1;
    return {
      enrollmentId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      generation: 0,
      nextSequence: 3,
      correlationId: 'c0000000-0000-4000-8000-000000000000',
      causationId: 'ca000000-0000-4000-8000-000000000000',
      admission: 'continuing',
      mode: 'capture',
      priority: 'batch',
      requestedAt: '2030-01-01T00:00:00.000Z',
      poll: { startedAt: 1_000, previousDelayMs: 5_000, count: 2 },
      ...overrides,
    };
  }

  it('goes onto the queue when due, with the job data it was parked with', async () => {
    const now = Date.now();
    const data = pollData();
    const jobId = await parked.park(data, now + 10_000);
    expect(await parked.dispatchDue(now)).toBe(0);
    expect(await parked.dispatchDue(now + 10_000)).toBe(1);
    const job = await queue.queue.getJob(jobId);
    expect(job?.data).toEqual(data);
    expect(await job?.getState()).toBe('prioritized');
    await job?.remove();
    await parked.release(jobId);
  });

  it('a poll that never ran comes back without progress (its fast phase starts at its first run)', async () => {
    const now = Date.now();
    const data = pollData();
    delete data.poll;
    const jobId = await parked.park(data, now);
    expect(await parked.dispatchDue(now)).toBe(1);
    const job = await queue.queue.getJob(jobId);
    expect(job?.data).toEqual(data);
    await job?.remove();
    await parked.release(jobId);
  });

  it('is due again after the lease when a dispatcher died between taking it and enqueueing it', async () => {
    const now = Date.now();
    const jobId = await parked.park(pollData(), now);
    const dying = new ParkedPolls(
      redis,
      names.queuePrefix,
      { enqueueMany: () => Promise.reject(new Error('killed')) } as unknown as StepsQueue,
      {
        enrollmentTtlSec: 3600,
        leaseMs: LEASE_MS,
        batch: 100,
        logger: pino({ level: 'silent' }),
      },
    );
    await expect(dying.dispatchDue(now)).rejects.toThrow('killed');
    expect(await queue.queue.getJob(jobId)).toBeUndefined();
    expect(await parked.dispatchDue(now + LEASE_MS - 1)).toBe(0);
    expect(await parked.dispatchDue(now + LEASE_MS)).toBe(1);
    expect(await queue.queue.getJob(jobId)).toBeDefined();
    await parked.release(jobId);
    await (await queue.queue.getJob(jobId))?.remove();
  });

  it('a hint makes a parked poll due now; an enrollment without a parked poll keeps the hint for later', async () => {
    const data = pollData();
    const jobId = await parked.park(data, Date.now() + 3600_000);
    expect(await parked.promote(data.enrollmentId)).toBe('promoted');
    expect(Number(await redis.zscore(parked.key, jobId))).toBeLessThanOrEqual(Date.now());
    await parked.release(jobId);
    expect(await parked.promote(data.enrollmentId)).toBe('kept');
    expect(await parked.promote(pollData().enrollmentId)).toBe('kept');
  });

  it("an ops retry's newer poll supersedes the parked one of the older generation", async () => {
    const now = Date.now();
    const old = pollData();
    const oldId = await parked.park(old, now);
    const newer = { ...old, generation: 7, nextSequence: 9 };
    const newId = await parked.park(newer, now + 3600_000);
    expect(newId).toBe(stepJobId(old.enrollmentId, 'poll', 7));
    expect(await parked.dispatchDue(now)).toBe(1);
    expect(await queue.queue.getJob(oldId)).toBeUndefined();
    expect(await redis.zscore(parked.key, oldId)).toBeNull();
    expect(await redis.zscore(parked.key, newId)).not.toBeNull();
  });

  it('reports how long the earliest parked poll has been due', async () => {
    const own = new ParkedPolls(redis, `${names.queuePrefix}-overdue`, queue, {
      enrollmentTtlSec: 3600,
      leaseMs: LEASE_MS,
      batch: 100,
      logger: pino({ level: 'silent' }),
    });
    expect(await own.overdueMs(5_000)).toBe(0);
    await own.park(pollData(), 1_000);
    await own.park(pollData(), 3_000);
    expect(await own.overdueMs(500)).toBe(0);
    expect(await own.overdueMs(5_000)).toBe(4_000);
  });
});

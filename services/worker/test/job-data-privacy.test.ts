// BullMQ job data is shown by the queue dashboard and kept with failed jobs: it carries ids, never the person.
import { keysMatching, waitFor } from '@verified-onboard/devstack';
import { Queue } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@verified-onboard/contracts';
import { useHarness } from './support/harness.js';

const MARKER = 'PIIMARKER7q';
const personal = (n: number) => ({
  displayName: `${MARKER} Name ${n}`,
  customDisplayName: `${MARKER} Custom ${n}`,
  description: `${MARKER} description ${n}`,
  email: `${MARKER.toLowerCase()}${n}@example.test`,
  phoneNumber: `+4479${MARKER.length}00${n}`,
  introductionText: `${MARKER} intro ${n}`,
  externalRef: `${MARKER}-ref-${n}`,
});

describe('step job data', () => {
  const h = useHarness('worker-job-data-privacy');

  beforeAll(async () => {
    await h.startWorker({ WORKER_JOB_ATTEMPTS: '2' });
  });

  it('holds no personal data, in finished or failed jobs, and failed jobs are kept one day', async () => {
    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, faults: { createAccount: null } });
    const done = await h.request(personal(1));
    await h.publishEnrollment(done);
    await h.waitForStatus(done.subject, ['completed'], 20_000);

    await h.scenario({ user: { outcome: 'accept', afterMs: 0 }, faults: { createAccount: { rate5xx: 1 } } });
    const failed = await h.request(personal(2));
    await h.publishEnrollment(failed);
    await h.waitForStatus(failed.subject, ['failed'], 20_000);
    await h.scenario({ faults: { createAccount: null } });

    const queue = new Queue(QUEUES.steps, { connection: h.redis, prefix: h.config().queuePrefix });
    try {
      await waitFor('the failed job kept', async () => (await queue.getFailedCount()) === 1);
      const [failedJob] = await queue.getFailed();
      expect(failedJob?.opts.removeOnFail).toEqual({ age: 24 * 3600, count: 1000 });
    } finally {
      await queue.close();
    }

    // Every BullMQ key of this test's queue, read raw: job hashes, their logs and the event stream.
    const keys = await keysMatching(h.redis, `${h.config().queuePrefix}:${QUEUES.steps}:*`);
    const dumped: string[] = [];
    let jobHashes = 0;
    for (const key of keys) {
      const type = await h.redis.type(key);
      if (type === 'hash') {
        const fields = await h.redis.hgetall(key);
        if ('data' in fields) jobHashes++;
        dumped.push(JSON.stringify(fields));
      } else if (type === 'stream') dumped.push(JSON.stringify(await h.redis.xrange(key, '-', '+')));
      else if (type === 'list') dumped.push(JSON.stringify(await h.redis.lrange(key, 0, -1)));
      else if (type === 'string') dumped.push((await h.redis.get(key)) ?? '');
    }
    // begin, account, credential of the first; begin and account of the second (a poll goes when it completes).
    expect(jobHashes).toBeGreaterThanOrEqual(3);
    const text = dumped.join('\n');
    expect(text).toContain(done.subject);
    expect(text).toContain(failed.subject);
    expect(text).not.toContain(MARKER);
    expect(text.toLowerCase()).not.toContain(MARKER.toLowerCase());
    expect(text).not.toContain(done.data.phoneNumber);
    expect(text).not.toContain(done.data.accountNumber);
  });
});

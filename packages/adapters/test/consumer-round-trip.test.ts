// EventConsumer end to end on real Kafka and Redis: a member killed mid-batch and a member stopped mid-stream
// hand over to the next one with nothing lost and nothing applied twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot, waitFor } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { fold } from '@verified-onboard/events';
import { RedisDedupeStore } from '../src/index.js';
import { appliedEvents, counts, countingHandler } from './support/counting-handler.js';
import {
  kafkaBrokers,
  redis,
  redisUrl,
  cleanups,
  consumer,
  published,
  type ConsumerOptions,
} from './support/consumer-fixture.js';

describe('EventConsumer round trip', () => {
  it('survives a SIGKILLed member mid-batch: a new member resumes, nothing lost, nothing applied twice', async () => {
    const { names, topics, streams, all } = await published('consumer-crash', 3, 30);
    const groupId = `${names.groupPrefix}crash`;

    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/crash-consumer.ts', import.meta.url)),
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers.join(','),
          REDIS_URL: redisUrl,
          KEY_PREFIX: names.keyPrefix,
          BLOCK_AFTER: '6',
          GROUP_ID: groupId,
          TOPIC: topics.enrollmentEvents,
          DLQ_TOPIC: topics.deadLetter,
        },
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(() => Promise.resolve(child.kill('SIGKILL')));
    const handledBeforeCrash = Number(
      await waitFor('the child consumer to block', () => redis.get(`${names.keyPrefix}blocked`)),
    );
    expect(handledBeforeCrash).toBe(5);
    child.kill('SIGKILL');
    await exited;

    const survivor = consumer(topics, {
      groupId,
      dedupe: new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}dedupe:` }),
      handler: countingHandler(redis, names.keyPrefix),
    });
    await survivor.start();
    await waitFor(
      'every event to be applied',
      async () => Object.keys(await counts(redis, names.keyPrefix)).length === all.length,
    );
    const applied = await counts(redis, names.keyPrefix);
    expect(Object.values(applied).every((n) => n === 1)).toBe(true);
    // The child's handled events were never committed: they came back and the dedupe absorbed them.
    expect(survivor.stats).toMatchObject({ handled: all.length - 5, duplicates: 5, deadLettered: 0 });
    for (const s of streams) {
      expect(fold(await appliedEvents(redis, names.keyPrefix, s.id))).toEqual(fold(s.events));
    }
    await survivor.stop();
  });

  it('stop() mid-stream commits what finished; a new member in the group continues exactly where it stopped', async () => {
    const { names, topics, streams, all } = await published('consumer-stop', 3, 40);
    const groupId = `${names.groupPrefix}stop`;
    const dedupe = new RedisDedupeStore(redis, { prefix: `${names.keyPrefix}dedupe:` });
    const count = countingHandler(redis, names.keyPrefix);

    const member = (handler: ConsumerOptions['handler']) => consumer(topics, { groupId, dedupe, handler });
    // The handler itself triggers stop (without awaiting it: stop waits for the handler) so the cut is deterministic.
    let firstHandled = 0;
    let stopping: { done: Promise<void> } | undefined;
    const first = member(async (e) => {
      await count(e);
      if (++firstHandled === 50) stopping = { done: first.stop() };
    });
    await first.start();
    await (
      await waitFor('the first member to stop itself', () => stopping)
    ).done;
    const stoppedAt = first.stats.handled;
    expect(stoppedAt).toBeLessThan(all.length);

    const second = member(count);
    await second.start();
    await waitFor(
      'every event to be applied',
      async () => Object.keys(await counts(redis, names.keyPrefix)).length === all.length,
    );
    expect(Object.values(await counts(redis, names.keyPrefix)).every((n) => n === 1)).toBe(true);
    // Committed on stop: the second member was not handed the first member's work again.
    expect(second.stats).toMatchObject({ handled: all.length - stoppedAt, duplicates: 0 });
    for (const s of streams)
      expect(fold(await appliedEvents(redis, names.keyPrefix, s.id))).toEqual(fold(s.events));
    await second.stop();
  });
});

import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, pingRedis, startRedisServer, testInfra, waitFor } from '../src/index.js';

describe('Redis for tests', () => {
  it('the provided Redis answers', async () => {
    expect(await pingRedis(testInfra().redisUrl)).toBe(true);
  });

  it('a private redis-server starts with noeviction, as BullMQ requires, and stops by its pid', async () => {
    const port = await freePort();
    const handle = await startRedisServer(port, join(mkdtempSync(join(tmpdir(), 'redis-')), 'redis.log'));
    const client = new Redis(handle.url);
    try {
      const policy = (await client.config('GET', 'maxmemory-policy')) as string[];
      expect(policy[1]).toBe('noeviction');
    } finally {
      client.disconnect();
      process.kill(handle.pid, 'SIGTERM');
    }
    // Shutting down takes the server a moment; the bound only turns a server that never stops into a failure.
    expect(
      await waitFor('the stopped server no longer answering', async () => !(await pingRedis(handle.url)), {
        timeoutMs: 10_000,
      }),
    ).toBe(true);
  });

  it('an unreachable URL is reported as down, not hung on', async () => {
    expect(await pingRedis(`redis://127.0.0.1:${await freePort()}`)).toBe(false);
  });
});

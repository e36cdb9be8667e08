import { describe, expect, it } from 'vitest';
import { parseRedisUrl, RedisUrlError } from '../src/index.js';

describe('REDIS_URL: one server or a Redis Cluster', () => {
  it('leaves a server URL to ioredis as it is', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:pw@redis.internal:6380/0'])
      expect(parseRedisUrl(url)).toEqual({ kind: 'server', url });
  });

  it('reads the seed nodes of redis+cluster://host:port,host:port', () => {
    expect(parseRedisUrl('redis+cluster://127.0.0.1:7000,127.0.0.1:7001, redis-2.internal:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
        { host: 'redis-2.internal', port: 7002 },
      ],
      tls: false,
    });
  });

  it('reads TLS, an ACL user with a percent-encoded password, IPv6 and the default port', () => {
    expect(parseRedisUrl('rediss+cluster://vo-service:p%40ss:w@[::1]:7000,redis-1/')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '::1', port: 7000 },
        { host: 'redis-1', port: 6379 },
      ],
      tls: true,
      username: 'vo-service',
      password: 'p@ss:w',
    });
  });

  it.each([
    ['redis+cluster://', 'names no node'],
    ['redis+cluster://127.0.0.1:7000,', 'node 2 of the cluster URL is not host:port'],
    ['redis+cluster://127.0.0.1:7000,127.0.0.1:notaport', 'node 2 of the cluster URL is not host:port'],
    ['redis+cluster://127.0.0.1:70000', 'node 1 of the cluster URL is not host:port'],
    ['redis+cluster://127.0.0.1:7000/0', 'node 1 of the cluster URL is not host:port'],
    ['127.0.0.1:6379', 'not a URL'],
    ['http://127.0.0.1:6379', 'unknown scheme http:'],
  ])('refuses %s with a clear error that shows the expected forms', (url, detail) => {
    let caught: unknown;
    try {
      parseRedisUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RedisUrlError);
    expect((caught as RedisUrlError).code).toBe('invalid_redis_url');
    expect((caught as RedisUrlError).message).toContain(detail);
    expect((caught as RedisUrlError).message).toContain('redis+cluster://host:port,host:port');
  });
});

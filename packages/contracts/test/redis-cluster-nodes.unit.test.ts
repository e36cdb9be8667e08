import { describe, expect, it } from 'vitest';
import {
  parseRedisClusterNodes,
  parseRedisUrl,
  RedisClusterNodesError,
  redisUrlFromEnvironment,
  type RedisClusterNodesReason,
} from '../src/index.js';

function refusal(env: { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string }): RedisClusterNodesError {
  try {
    redisUrlFromEnvironment(env);
  } catch (error) {
    if (error instanceof RedisClusterNodesError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('REDIS_CLUSTER_NODES: the seed nodes of a cluster, beside REDIS_URL', () => {
  it('stands for the redis+cluster:// URL of the same nodes, which parses to them', () => {
    const url = redisUrlFromEnvironment({
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2.internal:7001,[::1]:7002,redis-3',
    });
    expect(url).toBe('redis+cluster://10.0.0.1:7000,redis-2.internal:7001,[::1]:7002,redis-3:6379');
    expect(parseRedisUrl(url ?? '')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-2.internal', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'redis-3', port: 6379 },
      ],
      tls: false,
    });
  });

  it('leaves REDIS_URL as it is when the nodes are unset or blank, and undefined when neither is set', () => {
    expect(redisUrlFromEnvironment({ REDIS_URL: ' redis://127.0.0.1:6379 ' })).toBe('redis://127.0.0.1:6379');
    expect(redisUrlFromEnvironment({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: '  ' })).toBe(
      'redis://r:6379',
    );
    expect(redisUrlFromEnvironment({})).toBeUndefined();
    expect(redisUrlFromEnvironment({ REDIS_URL: '', REDIS_CLUSTER_NODES: '' })).toBeUndefined();
  });

  it('accepts both with REDIS_URL blank (a compose file that leaves it empty)', () => {
    expect(redisUrlFromEnvironment({ REDIS_URL: ' ', REDIS_CLUSTER_NODES: 'a:1,b:2' })).toBe(
      'redis+cluster://a:1,b:2',
    );
  });

  it.each<[string, { REDIS_URL?: string; REDIS_CLUSTER_NODES: string }, RedisClusterNodesReason, RegExp]>([
    [
      'an empty entry',
      { REDIS_CLUSTER_NODES: '10.0.0.1:7000,' },
      'not_host_port',
      /entry 2 is not host:port/,
    ],
    ['a port that is no number', { REDIS_CLUSTER_NODES: 'a:7000,b:port' }, 'not_host_port', /entry 2 /],
    ['a port out of range', { REDIS_CLUSTER_NODES: 'a:70000' }, 'not_host_port', /entry 1 /],
    ['a URL instead of host:port', { REDIS_CLUSTER_NODES: 'redis://a:7000' }, 'not_host_port', /entry 1 /],
    ['credentials', { REDIS_CLUSTER_NODES: 'vo:hunter2-pw@a:7000' }, 'not_host_port', /entry 1 /],
    [
      'REDIS_URL set as well',
      { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: 'a:7000' },
      'conflicts_with_redis_url',
      /and REDIS_URL are both set: set one .*rediss\+cluster:\/\//,
    ],
  ])('refuses %s with a stable code, the variable and the reason', (_, env, reason, detail) => {
    const error = refusal(env);
    expect(error.code).toBe('invalid_redis_cluster_nodes');
    expect(error.variable).toBe('REDIS_CLUSTER_NODES');
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(/^REDIS_CLUSTER_NODES /);
    expect(error.detail).toMatch(detail);
    expect(error.message).not.toContain('hunter2-pw');
  });

  it('parses the list on its own, and refuses one that names no node', () => {
    expect(parseRedisClusterNodes('a:1')).toEqual([{ host: 'a', port: 1 }]);
    expect(() => parseRedisClusterNodes(' ')).toThrow(/names no node; expected host:port,host:port/);
  });
});

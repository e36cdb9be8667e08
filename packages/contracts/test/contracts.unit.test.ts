import { describe, expect, it } from 'vitest';
import {
  ENDPOINT_NAMES,
  HEADERS,
  InvalidQueuePrefixError,
  parseQueuePrefix,
  QUEUES,
  sharedKeys,
} from '../src/index.js';

describe('contracts', () => {
  it('QUEUE_PREFIX yields the queue prefix and the key namespace', () => {
    expect(parseQueuePrefix()).toEqual({ queue: '{vo}', keys: 'vo', keyspace: 'vo:' });
    expect(parseQueuePrefix('t-1.a_b').keys).toBe('t-1.a_b');
  });

  it('refuses a QUEUE_PREFIX that would split the key layout, with a stable code', () => {
    for (const bad of ['a:b', 'a b', '', 'a*', '{vo}'])
      expect(() => parseQueuePrefix(bad)).toThrow(InvalidQueuePrefixError);
    try {
      parseQueuePrefix('a:b');
    } catch (error) {
      expect((error as InvalidQueuePrefixError).code).toBe('invalid_queue_prefix');
    }
  });

  it('names the shared keys, queues and headers as the api and the worker always spelled them', () => {
    const keys = sharedKeys('vo');
    expect(keys.captureUrlSecret('e1')).toBe('vo:secret:capture-url:e1');
    expect(keys.tempIdSecret('e1')).toBe('vo:secret:tempid:e1');
    expect(keys.accountOwner('A1')).toBe('vo:account-owner:A1');
    expect(keys.accepted('e1')).toBe('vo:accepted:e1');
    expect(keys.readModelBase).toBe('vo:');
    expect(keys.selfieVault).toBe('vo:');
    expect(keys.upstreamTokens).toBe('vo:verified-token:');
    expect(QUEUES.steps).toBe('steps');
    expect(HEADERS).toEqual({
      signature: 'x-signature',
      idempotencyKey: 'idempotency-key',
      batchId: 'x-batch-id',
    });
    expect(ENDPOINT_NAMES).toContain('beginBiometry');
  });
});

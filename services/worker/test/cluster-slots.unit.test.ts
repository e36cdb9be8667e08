// Every command or script that names several keys must name keys of one Redis Cluster hash slot (CROSSSLOT
// otherwise). This computes the slot of each such key set as the cluster does (CRC16 of the hash tag), so a
// key builder that drifts off its tag fails here, without a cluster.
import { parseQueuePrefix, sharedKeys } from '@verified-onboard/contracts';
import { keyspacePointerKeys, readModelKeys } from '@verified-onboard/adapters';
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { workerKeys } from '../src/keys.js';
import { rateLimiterKeys } from '../src/stores/rate-limiter.js';

const slots = (keys: string[]) => new Set(keys.map((key) => calculateSlot(key)));
const PREFIXES = ['vo', 't-abc123', 'prod.eu-1'];
const ID = '0b7e7c1e-5a9f-4d0e-9a43-1f0e2b7c9d11';
const IDS = [ID, 'e2', 'batch:x'];

describe('Redis Cluster hash slots of the multi-key operations', () => {
  it("the slot function is the cluster's: a hash tag decides, {} alone does not", () => {
    expect(calculateSlot('foo')).toBe(12182);
    expect(calculateSlot('{user1000}.following')).toBe(calculateSlot('{user1000}.followers'));
    expect(calculateSlot('a{}b')).not.toBe(calculateSlot('a{}c'));
  });

  it('the read-model apply script: record, batch counts, failed index and its meta share one slot', () => {
    for (const prefix of PREFIXES)
      for (const keyspace of [`${prefix}:`, `${prefix}:rb-42:`])
        for (const id of IDS) {
          const keys = readModelKeys(keyspace);
          expect(
            slots([keys.record(id), keys.batch(`b-${id}`), keys.batch(''), keys.failed, keys.failedMeta])
              .size,
          ).toBe(1);
        }
  });

  it('the keyspace pointers read with one MGET share one slot', () => {
    for (const prefix of PREFIXES) {
      const { active, target } = keyspacePointerKeys(`${prefix}:`);
      expect(slots([active, target]).size).toBe(1);
    }
  });

  it('the rate limiter script: the budget and the pause share one slot', () => {
    for (const prefix of PREFIXES) {
      const { tat, pause } = rateLimiterKeys(prefix);
      expect(slots([tat, pause]).size).toBe(1);
    }
  });

  it('every key of the BullMQ queue shares the slot of the braced prefix, apart from the key namespace', () => {
    for (const prefix of PREFIXES) {
      const { queue } = parseQueuePrefix(prefix);
      const queueKeys = [
        'wait',
        'active',
        'prioritized',
        'delayed',
        'completed',
        'failed',
        'id',
        'meta',
        'events',
        'marker',
        'pc',
        'stalled',
        `${ID}.begin.0`,
        `${ID}.begin.0:lock`,
      ].map((k) => `${queue}:steps:${k}`);
      expect(slots(queueKeys).size).toBe(1);
      // The trap the split avoids: the other keys are not all on the queue's slot.
      const keys = workerKeys(prefix);
      expect(slots(IDS.map((id) => keys.stepBook(id))).size).toBeGreaterThan(1);
    }
  });

  it('the transactions of park, finish and recordOperation name the enrollment hash alone', () => {
    // parked-polls.ts, outcomes.ts, operation-store.ts write the sorted set, the outcome, the operation index and
    // the capture URL outside their MULTI; what stays inside is the enrollment hash (HSET + EXPIRE), one key.
    for (const prefix of PREFIXES) {
      const keys = workerKeys(prefix);
      const shared = sharedKeys(prefix);
      const acrossSlots = [
        keys.stepBook(ID),
        keys.parkedPolls(),
        keys.outcome(`${ID}.begin.0`),
        shared.captureUrlSecret(ID),
      ];
      // Were they still in one transaction, a cluster would refuse it.
      expect(slots(acrossSlots).size).toBeGreaterThan(1);
    }
  });
});

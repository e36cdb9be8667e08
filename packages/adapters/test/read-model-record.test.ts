// The read model keeps each enrollment as one compressed record: what it costs, and that records written
// in the earlier two-field JSON form are still read and are rewritten compressed by the next event.
import { isolatedNames } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { fold } from '@verified-onboard/events';
import { ReadModel } from '../src/index.js';
import { packState } from '../src/redis/read-model/compact-state.js';
import { toStored, type StoredEvent } from '../src/redis/read-model/stored-event.js';
import { decodeRecord, encodeRecord } from '../src/redis/read-model/stored-record.js';
import { happyPath, defined } from './support/builders.js';
import { useRedis } from './support/infra.js';

const names = isolatedNames('events-read-model-record');
const redis = useRedis(names);
const rm = new ReadModel(redis, { prefix: names.keyPrefix });

function storedForm(events: ReturnType<typeof happyPath>['events']): StoredEvent[] {
  const stored: StoredEvent[] = [];
  for (const e of events) stored.push(toStored(e, stored));
  return stored;
}

describe('read model records', () => {
  it('round-trip through the compressed format', () => {
    const s = happyPath('enr-rec-1', 'capture');
    const content = { state: packState(fold(s.events)), events: storedForm(s.events) };
    expect(decodeRecord(encodeRecord(content))).toEqual(content);
  });

  it('keep a pending enrollment in well under half the bytes of its JSON', async () => {
    const s = happyPath('enr-rec-2', 'capture');
    const pending = s.events.slice(0, 2);
    for (const e of pending) await rm.applyEvent(e);
    const record = defined(await redis.hgetBuffer(rm.key('enr-rec-2'), 'r'), 'the record');
    const json = JSON.stringify([packState(fold(pending)), storedForm(pending)]);
    expect(record.length).toBeLessThan(json.length * 0.5);
    expect(await rm.events('enr-rec-2')).toEqual(pending);
  });

  it('written in the earlier JSON fields are read, and rewritten compressed by the next event', async () => {
    const s = happyPath('enr-rec-3', 'capture');
    const first = s.events.slice(0, 2);
    await redis.hset(
      rm.key('enr-rec-3'),
      'state',
      JSON.stringify(packState(fold(first))),
      'events',
      JSON.stringify(storedForm(first)),
      'v',
      '2',
    );
    expect(await rm.get('enr-rec-3')).toEqual(fold(first));
    expect(await rm.events('enr-rec-3')).toEqual(first);
    for (const e of s.events.slice(2)) expect(await rm.applyEvent(e)).toBe('applied');
    expect(await rm.get('enr-rec-3')).toEqual(fold(s.events));
    expect(await redis.hkeys(rm.key('enr-rec-3'))).toEqual(expect.arrayContaining(['r', 'v']));
    expect(await redis.hexists(rm.key('enr-rec-3'), 'events')).toBe(0);
    expect(await redis.hexists(rm.key('enr-rec-3'), 'state')).toBe(0);
    // The tenant is written beside the record once, by the first write that knows it.
    expect(await redis.hget(rm.key('enr-rec-3'), 'tenant')).toBeTruthy();
  });
});

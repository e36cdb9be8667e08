import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KEY_ID,
  InvalidEncryptionKeyError,
  Keyring,
  parseKeyList,
  SealedDataError,
} from '../src/index.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SealedDataError) return error.reason;
    throw error;
  }
  return 'opened';
}

describe('Keyring', () => {
  it('parses ENCRYPTION_KEYS as id:key,id:key (hex or base64) in order, the first one sealing', () => {
    const ring = Keyring.from({ encryptionKeys: `new:${k2.toString('hex')}, old:${k1.toString('base64')}` });
    expect(ring.keyIds()).toEqual(['new', 'old']);
    expect(ring.currentKeyId).toBe('new');
    const blob = ring.seal(Buffer.from('secret'), 'ctx');
    expect(blob[0]).toBe(2);
    expect(blob.subarray(2, 2 + blob.readUInt8(1)).toString()).toBe('new');
  });

  it('refuses a missing id, a duplicate id, a short key and an empty list, naming the entry', () => {
    for (const bad of [
      k1.toString('hex'),
      `a:${k1.toString('hex')},a:${k2.toString('hex')}`,
      'a:short',
      ' , ',
    ]) {
      expect(() => parseKeyList(bad)).toThrow(InvalidEncryptionKeyError);
    }
    expect(() => parseKeyList('a:short')).toThrow(/key a/);
    expect(() => Keyring.from({})).toThrow(InvalidEncryptionKeyError);
  });

  it('takes SELFIE_ENCRYPTION_KEY as the key `default`: sealing alone, or opening behind ENCRYPTION_KEYS', () => {
    const alone = Keyring.from({ legacyKey: k1.toString('hex') });
    expect(alone.keyIds()).toEqual([DEFAULT_KEY_ID]);
    const both = Keyring.from({ encryptionKeys: `k2:${k2.toString('hex')}`, legacyKey: k1 });
    expect(both.keyIds()).toEqual(['k2', DEFAULT_KEY_ID]);
    expect(both.open(alone.seal(Buffer.from('x'), 'c'), 'c').toString()).toBe('x');
  });

  it('rotates without a cutover: a ring with a new first key opens what the old key sealed', () => {
    const before = Keyring.from({ encryptionKeys: `old:${k1.toString('hex')}` });
    const after = Keyring.from({ encryptionKeys: `new:${k2.toString('hex')},old:${k1.toString('hex')}` });
    const sealedBefore = before.sealText('tempid-1', 'vo:secret:tempid:e1');
    expect(after.openText(sealedBefore, 'vo:secret:tempid:e1')).toBe('tempid-1');
    const sealedAfter = after.sealText('tempid-2', 'vo:secret:tempid:e1');
    expect(reasonOf(() => before.open(Buffer.from(sealedAfter, 'base64'), 'vo:secret:tempid:e1'))).toBe(
      'unknown_key',
    );
  });

  it('binds the blob to its context and header: moved, relabelled or flipped blobs fail authentication', () => {
    const ring = new Keyring([
      ['a', k1],
      ['b', k1],
    ]);
    const blob = ring.seal(Buffer.from('capture-url'), 'vo:secret:capture:e1');
    expect(reasonOf(() => ring.open(blob, 'vo:secret:capture:e2'))).toBe('authentication');
    const relabelled = Buffer.from(blob);
    relabelled[2] = 'b'.charCodeAt(0); // same key bytes under id b: the header is authenticated too
    expect(reasonOf(() => ring.open(relabelled, 'vo:secret:capture:e1'))).toBe('authentication');
    const flipped = Buffer.from(blob);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 20) ^ 1, flipped.length - 20);
    expect(reasonOf(() => ring.open(flipped, 'vo:secret:capture:e1'))).toBe('authentication');
    expect(ring.open(blob, 'vo:secret:capture:e1').toString()).toBe('capture-url');
  });

  it('openText answers null, never throws, for plaintext written before sealing and for garbage', () => {
    const ring = Keyring.from({ legacyKey: k1 });
    for (const old of ['{"tempId":"T-1","obtainedAt":1}', 'https://capture.example/c?s=abc', '', 'AAAA']) {
      expect(ring.openText(old, 'ctx')).toBeNull();
    }
  });
});

import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { isolatedNames } from '@verified-onboard/devstack';
import { describe, expect, it } from 'vitest';
import { InvalidEncryptionKeyError, Keyring, parseEncryptionKey } from '@verified-onboard/events';
import { SelfieIntegrityError, SelfieVault } from '../src/index.js';
import { useRedis } from './support/infra.js';

const names = isolatedNames('events-selfie');
const redis = useRedis(names);
const key = randomBytes(32);
const vault = new SelfieVault(redis, { key: key.toString('base64'), prefix: names.keyPrefix });
const image = randomBytes(4096);
const imageBase64 = image.toString('base64');

async function storedBlob(ref: string): Promise<Buffer> {
  const blob = await redis.getBuffer(vault.redisKey(ref));
  assert.ok(blob, `no blob stored for ${ref}`);
  return blob;
}

describe('SelfieVault', () => {
  it('stores the image encrypted under a ref with a 72 h TTL and returns the sha256 of its bytes', async () => {
    const { ref, digest } = await vault.put(imageBase64);
    expect(digest).toBe(createHash('sha256').update(image).digest('hex'));
    const stored = await storedBlob(ref);
    expect(stored.includes(image.subarray(0, 64))).toBe(false);
    const ttl = await redis.ttl(vault.redisKey(ref));
    expect(ttl).toBeGreaterThan(72 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(72 * 3600);
    expect(await vault.get(ref, digest)).toBe(imageBase64);
  });

  it('uses a fresh IV each time: the same image encrypts differently', async () => {
    const a = await vault.put(imageBase64);
    const b = await vault.put(imageBase64);
    expect(a.digest).toBe(b.digest);
    expect(Buffer.compare(await storedBlob(a.ref), await storedBlob(b.ref))).not.toBe(0);
  });

  it('detects tampering, a wrong key, a swapped blob and a digest that is not the expected one', async () => {
    const { ref, digest } = await vault.put(imageBase64);
    const redisKey = vault.redisKey(ref);
    const blob = await storedBlob(ref);

    await expect(
      new SelfieVault(redis, { key: randomBytes(32), prefix: names.keyPrefix }).get(ref),
    ).rejects.toBeInstanceOf(SelfieIntegrityError);
    await expect(vault.get(ref, 'b'.repeat(64))).rejects.toBeInstanceOf(SelfieIntegrityError);

    const flipped = Buffer.from(blob);
    const last = flipped.length - 1;
    flipped.writeUInt8(flipped.readUInt8(last) ^ 0x01, last);
    await redis.set(redisKey, flipped);
    await expect(vault.get(ref)).rejects.toBeInstanceOf(SelfieIntegrityError);

    const other = await vault.put(randomBytes(100).toString('base64'));
    await redis.set(redisKey, await storedBlob(other.ref));
    await expect(vault.get(ref)).rejects.toBeInstanceOf(SelfieIntegrityError);

    await redis.set(redisKey, blob);
    expect(await vault.get(ref, digest)).toBe(imageBase64);
  });

  it('returns null for an unknown or deleted ref, and honours a custom TTL', async () => {
    expect(await vault.get('no-such-ref')).toBeNull();
    const { ref } = await vault.put(imageBase64, { ttlSec: 60 });
    expect(await redis.ttl(vault.redisKey(ref))).toBeLessThanOrEqual(60);
    await vault.delete(ref);
    expect(await vault.get(ref)).toBeNull();
  });

  it('takes the key as 32 bytes of hex or base64 and refuses anything else', () => {
    const raw = randomBytes(32);
    expect(parseEncryptionKey(raw.toString('hex'))).toEqual(raw);
    expect(parseEncryptionKey(raw.toString('base64'))).toEqual(raw);
    expect(parseEncryptionKey(raw)).toEqual(raw);
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex')]) {
      expect(() => parseEncryptionKey(bad)).toThrow(InvalidEncryptionKeyError);
    }
    expect(() => new SelfieVault(redis, { key: randomBytes(24), prefix: 'x' })).toThrow(
      InvalidEncryptionKeyError,
    );
  });
});

describe('SelfieVault with a keyring', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('keeps the digest sealed: neither the image nor its sha256 appears in the stored blob', async () => {
    const { ref, digest } = await vault.put(imageBase64);
    const stored = await storedBlob(ref);
    expect(stored.includes(Buffer.from(digest, 'hex'))).toBe(false);
    expect(stored.includes(Buffer.from(digest))).toBe(false);
    expect(stored[0]).toBe(2);
  });

  it('rotates: selfies sealed under the old key are read by a ring that seals with a new key first', async () => {
    const before = new SelfieVault(redis, {
      key: Keyring.from({ encryptionKeys: `k1:${oldKey.toString('hex')}` }),
      prefix: names.keyPrefix,
    });
    const after = new SelfieVault(redis, {
      key: Keyring.from({ encryptionKeys: `k2:${newKey.toString('hex')},k1:${oldKey.toString('hex')}` }),
      prefix: names.keyPrefix,
    });
    const sealedBefore = await before.put(imageBase64);
    expect(await after.get(sealedBefore.ref, sealedBefore.digest)).toBe(imageBase64);
    const sealedAfter = await after.put(imageBase64);
    expect((await storedBlob(sealedAfter.ref)).subarray(2, 4).toString()).toBe('k2');
    await expect(before.get(sealedAfter.ref)).rejects.toBeInstanceOf(SelfieIntegrityError);
  });

  it('still reads a format-1 blob (before key ids) with SELFIE_ENCRYPTION_KEY, the key `default`', async () => {
    const ref = 'legacy-ref';
    const digest = createHash('sha256').update(image).digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', oldKey, iv);
    cipher.setAAD(Buffer.from(`${ref}:${digest.toString('hex')}`));
    const ciphertext = Buffer.concat([cipher.update(image), cipher.final()]);
    const legacy = Buffer.concat([Buffer.from([1]), digest, iv, cipher.getAuthTag(), ciphertext]);
    const ring = Keyring.from({ encryptionKeys: `k2:${newKey.toString('hex')}`, legacyKey: oldKey });
    const reader = new SelfieVault(redis, { key: ring, prefix: names.keyPrefix });
    await redis.set(reader.redisKey(ref), legacy);
    expect(await reader.get(ref, digest.toString('hex'))).toBe(imageBase64);
  });
});

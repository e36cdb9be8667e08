import { createDecipheriv, createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_KEY_ID, Keyring, SealedDataError } from '@verified-onboard/events';
import { SelfieIntegrityError } from '../errors.js';

export interface SelfieVaultOptions {
  /** The keyring (ENCRYPTION_KEYS), or one 32-byte key (a Buffer, 64 hex characters or base64) known as id `default`. */
  key: Keyring | string | Buffer;
  /** Key prefix, e.g. `vo:`; selfies live at `${prefix}selfie:{ref}`. */
  prefix: string;
  /** Default 72 h, the lifetime of an upstream TempId: past it the enrollment cannot use the image anyway. */
  ttlSec?: number;
}

export interface StoredSelfie {
  ref: string;
  /** sha256 (hex) of the image bytes, as carried in enrollment.requested. */
  digest: string;
}

// Format 1 (before key ids): version byte, digest in clear, IV, tag, ciphertext; AAD `ref:digest`. Still read.
const LEGACY_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DIGEST_BYTES = 32;

/**
 * Holds import selfies encrypted in Redis with a TTL, so the image never travels on Kafka: events carry only
 * the ref and the digest. Blobs are sealed by the keyring (AES-256-GCM, key id in the blob, so a key rotates
 * by listing the new one first); the digest is sealed with the image, and the Redis key is associated data,
 * so a blob cannot be swapped under another ref.
 */
export class SelfieVault {
  private readonly keyring: Keyring;
  private readonly prefix: string;
  private readonly ttlSec: number;

  constructor(
    private readonly redis: Redis,
    options: SelfieVaultOptions,
  ) {
    this.keyring = options.key instanceof Keyring ? options.key : Keyring.from({ legacyKey: options.key });
    this.prefix = options.prefix;
    this.ttlSec = options.ttlSec ?? 72 * 60 * 60;
  }

  redisKey(ref: string): string {
    return `${this.prefix}selfie:${ref}`;
  }

  /** Encrypts and stores a base64 image; returns its ref and digest. */
  async put(imageBase64: string, options: { ttlSec?: number } = {}): Promise<StoredSelfie> {
    const plaintext = Buffer.from(imageBase64, 'base64');
    if (plaintext.length === 0) throw new SelfieIntegrityError('the selfie is empty or not base64');
    const ref = randomUUID();
    const digest = createHash('sha256').update(plaintext).digest();
    const key = this.redisKey(ref);
    const blob = this.keyring.seal(Buffer.concat([digest, plaintext]), key);
    await this.redis.set(key, blob, 'EX', options.ttlSec ?? this.ttlSec);
    return { ref, digest: digest.toString('hex') };
  }

  /**
   * Decrypts a selfie to base64; null when absent (expired or deleted). Throws SelfieIntegrityError when the
   * ciphertext was tampered with, the key is wrong, or the digest differs from `expectedDigest`.
   */
  async get(ref: string, expectedDigest?: string): Promise<string | null> {
    const key = this.redisKey(ref);
    const blob = await this.redis.getBuffer(key);
    if (!blob) return null;
    const { digest, image } =
      blob[0] === LEGACY_VERSION ? this.openLegacy(ref, blob) : this.open(ref, key, blob);
    const actual = createHash('sha256').update(image).digest();
    if (digest.length !== DIGEST_BYTES || !timingSafeEqual(actual, digest))
      throw new SelfieIntegrityError(`selfie ${ref} does not match its digest`);
    if (expectedDigest !== undefined && expectedDigest.toLowerCase() !== digest.toString('hex')) {
      throw new SelfieIntegrityError(`selfie ${ref} is not the image the enrollment refers to`);
    }
    return image.toString('base64');
  }

  private open(ref: string, key: string, blob: Buffer): { digest: Buffer; image: Buffer } {
    let plaintext: Buffer;
    try {
      plaintext = this.keyring.open(blob, key);
    } catch (error) {
      if (error instanceof SealedDataError && error.reason === 'format')
        throw new SelfieIntegrityError(`selfie ${ref} has an unknown format`, { cause: error });
      throw new SelfieIntegrityError(`selfie ${ref} failed authentication (wrong key or tampered)`, {
        cause: error,
      });
    }
    return { digest: plaintext.subarray(0, DIGEST_BYTES), image: plaintext.subarray(DIGEST_BYTES) };
  }

  /** Format-1 blobs were written under the single key, which the keyring knows as `default`. */
  private openLegacy(ref: string, blob: Buffer): { digest: Buffer; image: Buffer } {
    const header = 1 + DIGEST_BYTES + IV_BYTES + TAG_BYTES;
    const key = this.keyring.key(DEFAULT_KEY_ID);
    if (blob.length <= header || !key)
      throw new SelfieIntegrityError(`selfie ${ref} has an unknown format or no default key to read it`);
    const digest = blob.subarray(1, 1 + DIGEST_BYTES);
    const iv = blob.subarray(1 + DIGEST_BYTES, 1 + DIGEST_BYTES + IV_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(`${ref}:${digest.toString('hex')}`));
      decipher.setAuthTag(blob.subarray(1 + DIGEST_BYTES + IV_BYTES, header));
      return { digest, image: Buffer.concat([decipher.update(blob.subarray(header)), decipher.final()]) };
    } catch (error) {
      throw new SelfieIntegrityError(`selfie ${ref} failed authentication (wrong key or tampered)`, {
        cause: error,
      });
    }
  }

  async delete(ref: string): Promise<void> {
    await this.redis.del(this.redisKey(ref));
  }
}

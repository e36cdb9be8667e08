import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import type { Redis } from 'ioredis';
import { InvalidEncryptionKeyError, SelfieIntegrityError } from './errors.js';

export interface SelfieVaultOptions {
  /** 32 bytes: a Buffer, or a string of 64 hex characters or base64. */
  key: string | Buffer;
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

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Parses SELFIE_ENCRYPTION_KEY: 64 hex characters or base64 of exactly 32 bytes. */
export function parseEncryptionKey(key: string | Buffer): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length !== 32)
      throw new InvalidEncryptionKeyError(`the selfie key must be 32 bytes, got ${key.length}`);
    return key;
  }
  const trimmed = key.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw new InvalidEncryptionKeyError('the selfie key must be 32 bytes as 64 hex characters or base64');
}

/**
 * Holds import selfies encrypted (AES-256-GCM, random 12-byte IV) in Redis with a TTL, so the image never
 * travels on Kafka: events carry only the ref and the digest. The ref and digest are bound to the
 * ciphertext as associated data, so a blob cannot be swapped under another ref.
 */
export class SelfieVault {
  private readonly key: Buffer;
  private readonly prefix: string;
  private readonly ttlSec: number;

  constructor(
    private readonly redis: Redis,
    options: SelfieVaultOptions,
  ) {
    this.key = parseEncryptionKey(options.key);
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
    const digest = createHash('sha256').update(plaintext).digest('hex');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${ref}:${digest}`));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([
      Buffer.from([VERSION]),
      Buffer.from(digest, 'hex'),
      iv,
      cipher.getAuthTag(),
      ciphertext,
    ]);
    await this.redis.set(this.redisKey(ref), blob, 'EX', options.ttlSec ?? this.ttlSec);
    return { ref, digest };
  }

  /**
   * Decrypts a selfie to base64; null when absent (expired or deleted). Throws SelfieIntegrityError when the
   * ciphertext was tampered with, the key is wrong, or the digest differs from `expectedDigest`.
   */
  async get(ref: string, expectedDigest?: string): Promise<string | null> {
    const blob = await this.redis.getBuffer(this.redisKey(ref));
    if (!blob) return null;
    const header = 1 + 32 + IV_BYTES + TAG_BYTES;
    if (blob.length <= header || blob[0] !== VERSION)
      throw new SelfieIntegrityError(`selfie ${ref} has an unknown format`);
    const storedDigest = blob.subarray(1, 33);
    const iv = blob.subarray(33, 33 + IV_BYTES);
    const tag = blob.subarray(33 + IV_BYTES, header);
    const digestHex = storedDigest.toString('hex');
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(Buffer.from(`${ref}:${digestHex}`));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(blob.subarray(header)), decipher.final()]);
    } catch (error) {
      throw new SelfieIntegrityError(`selfie ${ref} failed authentication (wrong key or tampered)`, {
        cause: error,
      });
    }
    const actual = createHash('sha256').update(plaintext).digest();
    if (!timingSafeEqual(actual, storedDigest))
      throw new SelfieIntegrityError(`selfie ${ref} does not match its digest`);
    if (expectedDigest !== undefined && expectedDigest.toLowerCase() !== digestHex) {
      throw new SelfieIntegrityError(`selfie ${ref} is not the image the enrollment refers to`);
    }
    return plaintext.toString('base64');
  }

  async delete(ref: string): Promise<void> {
    await this.redis.del(this.redisKey(ref));
  }
}

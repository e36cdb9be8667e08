import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidEncryptionKeyError, SealedDataError } from '../errors.js';

/** The id SELFIE_ENCRYPTION_KEY (one key, no id) is known by, so format-1 selfies stay readable. */
export const DEFAULT_KEY_ID = 'default';

const FORMAT = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses one key: 64 hex characters or base64 of exactly 32 bytes. */
export function parseEncryptionKey(key: string | Buffer): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length !== 32)
      throw new InvalidEncryptionKeyError(`an encryption key must be 32 bytes, got ${key.length}`);
    return key;
  }
  const trimmed = key.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw new InvalidEncryptionKeyError('an encryption key must be 32 bytes as 64 hex characters or base64');
}

export interface KeyringSource {
  /** ENCRYPTION_KEYS: `id:key,id:key`; the first encrypts, every one decrypts. */
  encryptionKeys?: string | undefined;
  /** SELFIE_ENCRYPTION_KEY: a single key, known as id `default` (decrypts; encrypts when ENCRYPTION_KEYS is unset). */
  legacyKey?: string | Buffer | undefined;
}

/** Parses ENCRYPTION_KEYS (`id:key,...`) into an ordered list; throws InvalidEncryptionKeyError naming the bad entry. */
export function parseKeyList(spec: string): Array<[string, Buffer]> {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (entries.length === 0) throw new InvalidEncryptionKeyError('ENCRYPTION_KEYS holds no key');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id))
      throw new InvalidEncryptionKeyError(
        `ENCRYPTION_KEYS entry ${index + 1} must be id:key with an id of letters, digits, . _ - (at most 64)`,
      );
    if (seen.has(id)) throw new InvalidEncryptionKeyError(`ENCRYPTION_KEYS names key id ${id} twice`);
    seen.add(id);
    try {
      return [id, parseEncryptionKey(entry.slice(colon + 1))];
    } catch (error) {
      throw new InvalidEncryptionKeyError(`ENCRYPTION_KEYS key ${id}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

/**
 * AES-256-GCM under named keys, so keys rotate without a cutover: a sealed blob names the key that sealed it,
 * the first key seals, every key opens. Blob: format byte 2, key-id length, key id, 96-bit random IV,
 * ciphertext, 128-bit tag. The associated data is the blob's header plus the caller's context (the Redis key
 * the value lives under), so a blob moved to another key, or given another key id, fails authentication.
 */
export class Keyring {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;
  private readonly currentKey: Buffer;

  constructor(keys: Array<[string, Buffer]>) {
    const [first] = keys;
    if (!first) throw new InvalidEncryptionKeyError('a keyring needs at least one key');
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id)) throw new InvalidEncryptionKeyError(`bad key id ${JSON.stringify(id)}`);
      parseEncryptionKey(key);
    }
    this.keys = new Map(keys);
    [this.currentKeyId, this.currentKey] = first;
  }

  /** ENCRYPTION_KEYS first; SELFIE_ENCRYPTION_KEY joins as `default` (unless a listed key already has that id). */
  static from(source: KeyringSource): Keyring {
    const listed = source.encryptionKeys?.trim() ? parseKeyList(source.encryptionKeys) : [];
    if (source.legacyKey !== undefined && !listed.some(([id]) => id === DEFAULT_KEY_ID))
      listed.push([DEFAULT_KEY_ID, parseEncryptionKey(source.legacyKey)]);
    if (listed.length === 0)
      throw new InvalidEncryptionKeyError('set ENCRYPTION_KEYS (or SELFIE_ENCRYPTION_KEY)');
    return new Keyring(listed);
  }

  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** The raw key of `id`, for format-1 selfie blobs that predate key ids. */
  key(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const id = Buffer.from(this.currentKeyId, 'utf8');
    const header = Buffer.concat([Buffer.from([FORMAT, id.length]), id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
  }

  /** Throws SealedDataError when the blob is not format 2, names a key not in the ring, or fails authentication. */
  open(blob: Buffer, context: string): Buffer {
    if (blob.length < 2 || blob[0] !== FORMAT) throw new SealedDataError('format', 'not a sealed value');
    const idEnd = 2 + blob.readUInt8(1);
    if (blob.length < idEnd + IV_BYTES + TAG_BYTES) throw new SealedDataError('format', 'truncated');
    const id = blob.subarray(2, idEnd).toString('utf8');
    const key = this.keys.get(id);
    if (!key) throw new SealedDataError('unknown_key', `sealed under key id ${id}, which is not configured`);
    const iv = blob.subarray(idEnd, idEnd + IV_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.concat([blob.subarray(0, idEnd), Buffer.from(context, 'utf8')]));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(blob.subarray(idEnd + IV_BYTES, blob.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch (error) {
      throw new SealedDataError('authentication', 'failed authentication (wrong key, moved or tampered)', {
        cause: error,
      });
    }
  }

  /** Text in, base64 out: for secrets kept as Redis strings or hash fields. */
  sealText(plaintext: string, context: string): string {
    return this.seal(Buffer.from(plaintext, 'utf8'), context).toString('base64');
  }

  /**
   * The text sealed by sealText, or null when the value is not one this ring can open (a plaintext value
   * written before sealing existed, a retired key, tampering): callers treat it as absent and fetch it anew.
   */
  openText(sealed: string, context: string): string | null {
    try {
      return this.open(Buffer.from(sealed, 'base64'), context).toString('utf8');
    } catch (error) {
      if (error instanceof SealedDataError) return null;
      throw error;
    }
  }
}

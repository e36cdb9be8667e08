import { createHash } from 'node:crypto';
import type { EventType } from './event-types.js';

/**
 * Namespace of every event id of this catalogue. Fixed forever: changing it would give a re-executed step
 * a new id and defeat consumer dedupe.
 */
export const EVENT_ID_NAMESPACE = '6b1f0c52-3f7e-4c59-9a0e-4e8d2b7a1c93';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  // A SHA-1 digest has 20 bytes, so both offsets exist.
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Deterministic event id: the same (subject, type, discriminator) always gives the same id, so a step
 * re-executed after a crash emits an event consumers recognise as a duplicate. The discriminator tells
 * apart legitimately repeated events of one type, e.g. the retry generation after an ops retry.
 */
export function eventId(
  subject: string,
  type: EventType | (string & {}),
  discriminator?: string | number,
): string {
  // NUL separators keep ('a', 'bc') and ('ab', 'c') apart.
  return uuidV5(`${subject}\u0000${type}\u0000${discriminator ?? ''}`, EVENT_ID_NAMESPACE);
}

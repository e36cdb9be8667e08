import { hash } from 'node:crypto';
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

const DASH = 0x2d;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
// A handful of namespaces exist; parsing one per id was garbage on every batch line.
const namespaceBytes = new Map<string, Buffer>();

/**
 * RFC 4122 name-based UUID, version 5 (SHA-1). One-shot `hash`, not `createHash`: a Hash object holds a native
 * handle that only a full GC frees, so one per event (batch lines make several each) piled up in the old space.
 */
export function uuidV5(name: string, namespace: string): string {
  let ns = namespaceBytes.get(namespace);
  if (ns === undefined) {
    ns = uuidBytes(namespace);
    namespaceBytes.set(namespace, ns);
  }
  const nameBytes = Buffer.from(name, 'utf8');
  const input = Buffer.allocUnsafe(ns.length + nameBytes.length);
  ns.copy(input, 0);
  nameBytes.copy(input, ns.length);
  const bytes = hash('sha1', input, 'buffer');
  // A SHA-1 digest has 20 bytes; the first 16 are the UUID.
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  // Written as one flat string: slices joined by a template stay a tree of string fragments while an event waits
  // for its broker ack.
  const text = Buffer.allocUnsafe(36);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = DASH;
    const byte = bytes[i] as number;
    text[at++] = HEX_DIGITS[byte >> 4] as number;
    text[at++] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return text.toString('latin1');
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

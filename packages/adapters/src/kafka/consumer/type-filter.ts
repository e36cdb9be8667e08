import type { KafkaMessage } from 'kafkajs';
import { upcasters as defaultUpcasters, type UpcasterRegistry } from '@verified-onboard/events';

/**
 * Which records a consumer reads, from the `ce_type` header alone: a record of another type is passed over
 * without decoding. Without `types`, every record is read.
 */
export function typeFilter(
  types: readonly string[] | undefined,
  upcasters: UpcasterRegistry | undefined,
): (message: KafkaMessage) => boolean {
  if (!types) return () => true;
  const wanted: ReadonlySet<string> = new Set(types);
  const registry = upcasters ?? defaultUpcasters;
  return (message) => {
    const raw = message.headers?.ce_type;
    const type = Array.isArray(raw) ? raw[0]?.toString() : raw?.toString();
    // A record without a type is read, so that it reaches the dead-letter topic like any malformed one.
    if (!type) return true;
    return wanted.has(type) || registry.has(type);
  };
}

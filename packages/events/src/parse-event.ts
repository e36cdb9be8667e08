import { z } from 'zod';
import { baseEnvelopeSchema, type EventEnvelope } from './envelope.js';
import { EventValidationError } from './errors.js';
import { eventDataSchemas, isEventType } from './event-types.js';
import { upcasters as defaultUpcasters, type UpcasterRegistry } from './upcasters.js';

export interface ParseOptions {
  /** Absent or undefined: the catalogue's own upcasters. */
  upcasters?: UpcasterRegistry | undefined;
}

/** Validates an untrusted envelope object, lifting superseded types through the upcasters. */
export function parseEvent(raw: unknown, options: ParseOptions = {}): EventEnvelope {
  const base = baseEnvelopeSchema.safeParse(raw);
  if (!base.success) {
    const specversion = (raw as { specversion?: unknown } | null)?.specversion;
    if (specversion !== undefined && specversion !== '1.0') {
      throw new EventValidationError(
        'unsupported_specversion',
        `CloudEvents specversion ${typeof specversion === 'string' ? specversion : JSON.stringify(specversion)} is not supported`,
      );
    }
    throw new EventValidationError('invalid_envelope', z.prettifyError(base.error), { cause: base.error });
  }
  const envelope = (options.upcasters ?? defaultUpcasters).upcast(base.data);
  if (!isEventType(envelope.type))
    throw new EventValidationError('unknown_type', `unknown event type ${envelope.type}`);
  const data = eventDataSchemas[envelope.type].safeParse(envelope.data);
  if (!data.success) {
    throw new EventValidationError('invalid_data', `${envelope.type}: ${z.prettifyError(data.error)}`, {
      cause: data.error,
    });
  }
  return { ...envelope, data: data.data } as EventEnvelope;
}

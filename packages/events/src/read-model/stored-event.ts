import type { EnrollmentEvent } from '../envelope.js';
import { EventValidationError } from '../errors.js';
import { isEnrollmentEventType } from '../event-types.js';
import { parseEvent, type ParseOptions } from '../parse-event.js';

/**
 * Compact stored form of an enrollment event: a positional tuple without the attributes every event of
 * the enrollment shares (subject, specversion, datacontenttype); causation/correlation stay because
 * a replay must reproduce them.
 */
export type StoredEvent = [id: string, type: string, sequence: number, time: string, source: string, correlationid: string, causationid: string | null, data: unknown];

export function toStored(event: EnrollmentEvent): StoredEvent {
  return [event.id, event.type, event.sequence, event.time, event.source, event.correlationid, event.causationid, event.data];
}

export function fromStored(subject: string, stored: StoredEvent, options: ParseOptions = {}): EnrollmentEvent {
  const [id, type, sequence, time, source, correlationid, causationid, data] = stored;
  const event = parseEvent({ specversion: '1.0', id, type, sequence, time, source, correlationid, causationid, subject, datacontenttype: 'application/json', data }, options);
  if (!isEnrollmentEventType(event.type)) throw new EventValidationError('unknown_type', `${event.type} is not an enrollment event`);
  return event as EnrollmentEvent;
}

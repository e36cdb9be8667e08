import {
  type EnrollmentEvent,
  CorruptRecordError,
  EventValidationError,
  isEnrollmentEventType,
  parseEvent,
  type ParseOptions,
} from '@verified-onboard/events';

/**
 * Stored form of an enrollment event: a positional tuple without the attributes every event of the
 * enrollment shares (subject, specversion, datacontenttype). Repeated attributes are back-references,
 * since Redis memory per pending enrollment is the footprint target: source `0` = the previous event's,
 * correlationid `0` = the first event's, causationid `1` = the previous event's id.
 */
export type StoredEvent = [
  id: string,
  type: string,
  sequence: number,
  time: string,
  source: string | 0,
  correlationid: string | 0,
  causationid: string | 1 | null,
  data: unknown,
];
type ExpandedEvent = [
  id: string,
  type: string,
  sequence: number,
  time: string,
  source: string,
  correlationid: string,
  causationid: string | null,
  data: unknown,
];

export function toStored(event: EnrollmentEvent, previous: StoredEvent[]): StoredEvent {
  const expanded = expand(previous);
  const prev = expanded.at(-1);
  const first = expanded[0];
  return [
    event.id,
    event.type,
    event.sequence,
    event.time,
    prev && prev[4] === event.source ? 0 : event.source,
    first && first[5] === event.correlationid ? 0 : event.correlationid,
    prev && event.causationid === prev[0] ? 1 : event.causationid,
    event.data,
  ];
}

/** The earlier event a compacted one refers to; only a corrupt record lacks it. */
function referenced(event: ExpandedEvent | undefined, id: string): ExpandedEvent {
  if (!event) throw new CorruptRecordError(`stored event ${id} refers to an earlier event the record lacks`);
  return event;
}

export function expand(stored: StoredEvent[]): ExpandedEvent[] {
  const out: ExpandedEvent[] = [];
  for (const [id, type, sequence, time, source, correlationid, causationid, data] of stored) {
    const prev = () => referenced(out.at(-1), id);
    out.push([
      id,
      type,
      sequence,
      time,
      source === 0 ? prev()[4] : source,
      correlationid === 0 ? referenced(out[0], id)[5] : correlationid,
      causationid === 1 ? prev()[0] : causationid,
      data,
    ]);
  }
  return out;
}

export function parseStored(
  subject: string,
  stored: StoredEvent[],
  options: ParseOptions = {},
): EnrollmentEvent[] {
  return expand(stored).map(([id, type, sequence, time, source, correlationid, causationid, data]) => {
    const event = parseEvent(
      {
        specversion: '1.0',
        id,
        type,
        sequence,
        time,
        source,
        correlationid,
        causationid,
        subject,
        datacontenttype: 'application/json',
        data,
      },
      options,
    );
    if (!isEnrollmentEventType(event.type))
      throw new EventValidationError('unknown_type', `${event.type} is not an enrollment event`);
    return event as EnrollmentEvent;
  });
}

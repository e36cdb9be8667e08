import type { EventEnvelope } from './envelope.js';
import { EventValidationError } from './errors.js';
import { parseEvent, type ParseOptions } from './parse-event.js';

/** A Kafka record as any client library gives it (kafkajs, node-rdkafka, ...), independent of the adapter. */
export interface KafkaRecordLike {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export interface EncodedEvent {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export const CONTENT_TYPE_HEADER = 'content-type';
const REQUIRED = [
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'sequence',
  'correlationid',
] as const;

/**
 * CloudEvents Kafka protocol binding, binary content mode: attributes travel as `ce_*` headers, `data` is the
 * record value (JSON), the key is the subject (enrollment id), so one enrollment's events share a partition.
 */
export function encodeEvent(event: EventEnvelope): EncodedEvent {
  const headers: Record<string, string> = {
    ce_specversion: event.specversion,
    ce_id: event.id,
    ce_source: event.source,
    ce_type: event.type,
    ce_subject: event.subject,
    ce_time: event.time,
    ce_sequence: String(event.sequence),
    ce_correlationid: event.correlationid,
    [CONTENT_TYPE_HEADER]: event.datacontenttype,
  };
  if (event.causationid !== null) headers.ce_causationid = event.causationid;
  return { key: event.subject, value: JSON.stringify(event.data), headers };
}

function header(record: KafkaRecordLike, name: string): string | undefined {
  const raw = record.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Decodes and validates a record; throws EventValidationError (its `reason` feeds the dead-letter header). */
export function decodeEvent(record: KafkaRecordLike, options: ParseOptions = {}): EventEnvelope {
  const attributes = {} as Record<(typeof REQUIRED)[number], string>;
  for (const name of REQUIRED) {
    const value = header(record, `ce_${name}`);
    if (value === undefined || value === '')
      throw new EventValidationError('missing_attribute', `header ce_${name} is missing`);
    attributes[name] = value;
  }
  const contentType = header(record, CONTENT_TYPE_HEADER) ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/.test(contentType)) {
    throw new EventValidationError('invalid_envelope', `content-type ${contentType} is not JSON`);
  }
  if (record.value === null || record.value === undefined)
    throw new EventValidationError('bad_json', 'record has no value');
  let data: unknown;
  try {
    data = JSON.parse(record.value.toString());
  } catch (error) {
    throw new EventValidationError('bad_json', `value is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const sequence = Number(attributes.sequence);
  if (!/^\d+$/.test(attributes.sequence) || !Number.isSafeInteger(sequence)) {
    throw new EventValidationError(
      'invalid_envelope',
      `ce_sequence ${attributes.sequence} is not a non-negative integer`,
    );
  }
  const key = record.key?.toString();
  if (key !== undefined && key !== attributes.subject) {
    throw new EventValidationError(
      'invalid_envelope',
      `key ${key} differs from ce_subject ${attributes.subject}`,
    );
  }
  return parseEvent(
    {
      ...attributes,
      sequence,
      causationid: header(record, 'ce_causationid') ?? null,
      datacontenttype: 'application/json',
      data,
    },
    options,
  );
}

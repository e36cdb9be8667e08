import type { Redis } from 'ioredis';
import {
  type EnrollmentEvent,
  CorruptRecordError,
  parseEvent,
  type ParseOptions,
  type EnrollmentState,
} from '@verified-onboard/events';
import { unpackState, type PackedState } from './compact-state.js';
import { expand, parseStored, type StoredEvent } from './stored-event.js';
import { decodeRecord, type RecordContent } from './stored-record.js';

// Reading one enrollment's read-model hash: the compressed record (or the two JSON fields written before
// records were compressed), its version and the events held back ahead of a gap.

/** Hash field of the compressed record (stored-record.ts). */
export const RECORD_FIELD = 'r';

/** An enrollment as the apply loop reads it, with the version its compare-and-set expects. */
export interface LoadedRecord {
  state: EnrollmentState | null;
  events: StoredEvent[];
  /** Events that arrived ahead of a gap in their enrollment's sequence, oldest first. */
  pending: EnrollmentEvent[];
  version: string;
  /** What the hash holds besides the record, so that a write deletes or sets only what is needed. */
  fields: { pending: boolean; legacy: boolean; tenant: boolean };
}

export async function loadRecord(
  redis: Redis,
  key: string,
  enrollmentId: string,
  parse: ParseOptions,
): Promise<LoadedRecord> {
  const [record, legacyState, legacyEvents, version, pendingJson, tenant] = await redis.hmgetBuffer(
    key,
    RECORD_FIELD,
    'state',
    'events',
    'v',
    'p',
    'tenant',
  );
  const v = version?.toString('utf8') ?? '';
  const pending = pendingJson ? parsePending(pendingJson.toString('utf8'), parse) : [];
  const fields = { pending: !!pendingJson, legacy: !!(legacyState ?? legacyEvents), tenant: !!tenant };
  const content = readRecord(record, legacyState, legacyEvents);
  if (!content) return { state: null, events: [], pending, version: v, fields };
  // Only the requested event is needed whole (for `request`); the rest of the state is in the packed state.
  const [requested] = parseStored(enrollmentId, expand(content.events).slice(0, 1), parse);
  if (!requested) throw new CorruptRecordError(`read model: enrollment ${enrollmentId} has no events`);
  return {
    state: unpackState(content.state, content.events, requested),
    events: content.events,
    pending,
    version: v,
    fields,
  };
}

export async function loadEvents(
  redis: Redis,
  key: string,
  enrollmentId: string,
  parse: ParseOptions,
): Promise<EnrollmentEvent[]> {
  const [record, legacyState, legacyEvents] = await redis.hmgetBuffer(key, RECORD_FIELD, 'state', 'events');
  const content = readRecord(record, legacyState, legacyEvents);
  return content ? parseStored(enrollmentId, content.events, parse) : [];
}

/** The record field, or the two JSON fields written before records were compressed (read during an upgrade). */
function readRecord(
  record?: Buffer | null,
  legacyState?: Buffer | null,
  legacyEvents?: Buffer | null,
): RecordContent | null {
  if (record && record.length > 0) return decodeRecord(record);
  if (!legacyState || !legacyEvents) return null;
  return {
    state: JSON.parse(legacyState.toString('utf8')) as PackedState,
    events: JSON.parse(legacyEvents.toString('utf8')) as StoredEvent[],
  };
}

function parsePending(json: string, options: ParseOptions): EnrollmentEvent[] {
  return (JSON.parse(json) as unknown[]).map((raw) => parseEvent(raw, options) as EnrollmentEvent);
}

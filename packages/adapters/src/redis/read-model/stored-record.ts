import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PackedState } from './compact-state.js';
import type { StoredEvent } from './stored-event.js';

/**
 * An enrollment's projection in Redis: `[packedState, storedEvents]` as JSON, deflated with a preset
 * dictionary of the strings every record repeats (event types, sources, field names), behind a one-byte
 * format tag. A pending enrollment's record shrinks from ~950 to ~350 bytes (docs/benchmarks.md, footprint):
 * at volume most enrollments are pending for hours or days, so this is most of the read model's memory.
 *
 * The dictionary of a format tag must never change once written: a new dictionary needs a new tag, and
 * readers keep the old ones.
 */
const FORMAT_DEFLATE_V1 = 0x01;

const DICTIONARY_V1 = Buffer.from(
  [
    // Literal on purpose (not EVENT_TYPES): adding an event type must not change this dictionary.
    '"enrollment.requested.v1"',
    '"enrollment.capture_started.v1"',
    '"enrollment.capture_completed.v1"',
    '"enrollment.account_created.v1"',
    '"enrollment.credential_attached.v1"',
    '"enrollment.completed.v1"',
    '"enrollment.failed.v1"',
    '"enrollment.retried.v1"',
    '"/verified-onboard/api"',
    '"/verified-onboard/worker"',
    '{"enrollmentId":"',
    '","accountNumber":"',
    '","accountNumberGenerated":false',
    '"accountNumberGenerated":true',
    '"displayName":"',
    '"customDisplayName":"',
    '"description":"',
    '"email":"',
    '"phoneNumber":"',
    '"transport":"inline"',
    '"transport":"sms"',
    '"transport":"email"',
    '"checkLiveness":true',
    '"timeoutSec":',
    '"introductionText":"',
    '"mode":"capture"',
    '"mode":"recapture"',
    '"mode":"import"',
    '"selfie":{"ref":"',
    '"digest":"',
    '"dataType":',
    '"externalRef":"',
    '"batchId":"',
    '"line":',
    '"priority":"batch"',
    '"priority":"interactive"',
    '"requestedAt":"',
    '{"operationId":"',
    '"operationExpiresAt":"',
    '"captureUrl":"',
    '"upstreamStatus":',
    '"message":',
    '"tempIdExpiresAt":"',
    '"alreadyExisted":false',
    '"kind":"proofed"',
    '"replacedPrevious":false',
    '"status":"capture_pending"',
    '"step":"',
    '"code":"',
    '"retryable":',
    '"attempts":',
    '.000Z"',
  ].join(''),
);

export interface RecordContent {
  state: PackedState;
  events: StoredEvent[];
}

/**
 * Deflate sized for a record of a few KB: zlib's defaults (32 KB window, memLevel 8) allocate ~270 KB per
 * call, above malloc's mmap threshold, so every write of the projector mapped, faulted in and unmapped fresh
 * pages (most of encodeRecord's CPU in a profile). An 8 KB window and memLevel 5 allocate ~50 KB and give the
 * same bytes for today's records. Readers need no change: an inflater with the default window reads any
 * smaller one.
 */
const DEFLATE_OPTIONS = { dictionary: DICTIONARY_V1, windowBits: 13, memLevel: 5 } as const;

export function encodeRecord(content: RecordContent): Buffer {
  const json = Buffer.from(JSON.stringify([content.state, content.events]));
  return Buffer.concat([Buffer.of(FORMAT_DEFLATE_V1), deflateRawSync(json, DEFLATE_OPTIONS)]);
}

export function decodeRecord(record: Buffer): RecordContent {
  if (record[0] !== FORMAT_DEFLATE_V1) throw new RangeError(`read model: unknown record format ${record[0]}`);
  const [state, events] = JSON.parse(
    inflateRawSync(record.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8'),
  ) as [PackedState, StoredEvent[]];
  return { state, events };
}

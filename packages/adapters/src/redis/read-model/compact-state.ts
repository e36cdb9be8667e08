import {
  type EnrollmentEvent,
  CorruptRecordError,
  type RequestedData,
  INITIAL_PROGRESS,
  type EnrollmentState,
} from '@verified-onboard/events';
import type { StoredEvent } from './stored-event.js';

// What the stored state leaves out because the stored events already say it, and the defaults it omits.
const DERIVED = [
  'id',
  'mode',
  'priority',
  'batchId',
  'correlationId',
  'lastEventId',
  'version',
  'createdAt',
  'updatedAt',
  'request',
  'appliedEventIds',
] as const;
// Fields still at their initial value are not stored (most of a pending enrollment's state).
const DEFAULTS = INITIAL_PROGRESS;

export type PackedState = Partial<EnrollmentState>;

export function packState(state: EnrollmentState): PackedState {
  const packed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if ((DERIVED as readonly string[]).includes(key)) continue;
    if (key in DEFAULTS && DEFAULTS[key as keyof typeof DEFAULTS] === value) continue;
    if (key === 'accountNumber' && value === state.request.accountNumber) continue;
    packed[key] = value;
  }
  return packed;
}

/** Rebuilds the full state from its packed form, the raw stored events and the (parsed) requested event. */
export function unpackState(
  packed: PackedState,
  stored: StoredEvent[],
  requested: EnrollmentEvent,
): EnrollmentState {
  const request = requested.data as RequestedData;
  const last = stored.at(-1);
  const { status } = packed;
  if (!last || !status)
    throw new CorruptRecordError(`read model: enrollment ${requested.subject} is incomplete`);
  return {
    id: requested.subject,
    mode: request.mode,
    priority: request.priority,
    batchId: request.batchId ?? null,
    accountNumber: request.accountNumber,
    correlationId: requested.correlationid,
    ...DEFAULTS,
    ...packed,
    status,
    version: last[2],
    createdAt: requested.time,
    updatedAt: last[3],
    request,
    lastEventId: last[0],
    appliedEventIds: stored.map((e) => e[0]),
  };
}

import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  encodeEvent,
  EVENT_TYPES,
  EventValidationError,
  fold,
  UpcasterRegistry,
  UpcasterRegistrationError,
  type EnrollmentEvent,
} from '../src/index.js';
import { happyPath, requestedData, at } from './support/builders.js';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof EventValidationError) return e.reason;
    throw e;
  }
  throw new Error('expected an EventValidationError');
}

describe('CloudEvents Kafka binary mode', () => {
  const event = happyPath('enr-1', 'capture').event(1);

  it('puts attributes in ce_* headers, data in the value, the subject in the key', () => {
    const record = encodeEvent(event);
    expect(record.key).toBe('enr-1');
    expect(JSON.parse(record.value)).toEqual(event.data);
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: EVENT_TYPES.captureStarted,
      ce_subject: 'enr-1',
      ce_sequence: '2',
      ce_source: event.source,
      ce_time: event.time,
      ce_correlationid: 'corr-enr-1',
      ce_causationid: event.causationid,
      'content-type': 'application/json',
    });
  });

  it('decodes what it encodes, from Buffers as a client delivers them', () => {
    const record = encodeEvent(event);
    const asBuffers = {
      key: Buffer.from(record.key),
      value: Buffer.from(record.value),
      headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])),
    };
    expect(decodeEvent(asBuffers)).toEqual(event);
  });

  it('omits ce_causationid when there is none and reads it back as null', () => {
    const first = happyPath('enr-2', 'import').event(0);
    expect(first.causationid).toBeNull();
    const record = encodeEvent(first);
    expect(record.headers).not.toHaveProperty('ce_causationid');
    expect(decodeEvent(record).causationid).toBeNull();
  });

  it('classifies malformed records by reason', () => {
    const record = encodeEvent(event);
    const { ce_type: _t, ...noType } = record.headers;
    expect(reason(() => decodeEvent({ ...record, headers: noType }))).toBe('missing_attribute');
    expect(reason(() => decodeEvent({ ...record, value: '{not json' }))).toBe('bad_json');
    expect(reason(() => decodeEvent({ ...record, value: JSON.stringify({ operationId: 42 }) }))).toBe(
      'invalid_data',
    );
    expect(
      reason(() =>
        decodeEvent({ ...record, headers: { ...record.headers, ce_type: 'enrollment.unknown.v9' } }),
      ),
    ).toBe('unknown_type');
    expect(
      reason(() => decodeEvent({ ...record, headers: { ...record.headers, ce_specversion: '0.3' } })),
    ).toBe('unsupported_specversion');
    expect(reason(() => decodeEvent({ ...record, headers: { ...record.headers, ce_sequence: '-1' } }))).toBe(
      'invalid_envelope',
    );
    expect(reason(() => decodeEvent({ ...record, key: 'someone-else' }))).toBe('invalid_envelope');
  });
});

describe('upcasters', () => {
  // A fabricated superseded version: v0 carried the account number as `account` and the person's name
  // as `name`, and had no mode (every v0 enrollment was a capture).
  const v0Upcaster = {
    from: 'enrollment.requested.v0',
    to: EVENT_TYPES.requested,
    upcast: (data: unknown) => {
      const { account, name, ...rest } = data as { account: string; name: string } & Record<string, unknown>;
      return {
        ...rest,
        accountNumber: account,
        displayName: name,
        mode: 'capture',
        accountNumberGenerated: false,
      };
    },
  };

  it('lifts an old event so that it decodes and folds as the current version', () => {
    const stream = happyPath('enr-3', 'capture');
    const v1 = encodeEvent(at(stream.events, 0));
    const {
      accountNumber,
      displayName,
      mode: _m,
      accountNumberGenerated: _g,
      ...rest
    } = requestedData('enr-3');
    const v0 = {
      ...v1,
      headers: { ...v1.headers, ce_type: 'enrollment.requested.v0' },
      value: JSON.stringify({ ...rest, account: accountNumber, name: displayName }),
    };

    expect(reason(() => decodeEvent(v0))).toBe('unknown_type');
    const registry = new UpcasterRegistry().register(v0Upcaster);
    const lifted = decodeEvent(v0, { upcasters: registry });
    expect(lifted.type).toBe(EVENT_TYPES.requested);
    expect(lifted.id).toBe(at(stream.events, 0).id);
    expect(fold([lifted as EnrollmentEvent, ...stream.events.slice(1)])).toEqual(fold(stream.events));
  });

  it('chains upcasters and refuses cycles, duplicates and current types as sources', () => {
    const registry = new UpcasterRegistry()
      .register({ from: 'x.v1', to: 'x.v2', upcast: (d) => ({ ...(d as object), two: true }) })
      .register({ from: 'x.v0', to: 'x.v1', upcast: (d) => ({ ...(d as object), one: true }) });
    const env = {
      specversion: '1.0' as const,
      id: 'i',
      source: 's',
      type: 'x.v0',
      subject: 'sub',
      time: '2025-01-01T00:00:00Z',
      sequence: 1,
      correlationid: 'c',
      causationid: null,
      datacontenttype: 'application/json' as const,
      data: {},
    };
    expect(registry.upcast(env)).toMatchObject({ type: 'x.v2', data: { one: true, two: true } });
    expect(() => registry.register({ from: 'x.v2', to: 'x.v0', upcast: (d) => d })).toThrow(
      UpcasterRegistrationError,
    );
    expect(() => registry.register({ from: 'x.v0', to: 'x.v9', upcast: (d) => d })).toThrow(
      UpcasterRegistrationError,
    );
    expect(() => registry.register({ from: EVENT_TYPES.completed, to: 'x', upcast: (d) => d })).toThrow(
      UpcasterRegistrationError,
    );
  });
});

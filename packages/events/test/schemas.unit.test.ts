import assert from 'node:assert/strict';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEvent,
  decodeEvent,
  encodeEvent,
  EVENT_TYPES,
  eventDataSchemas,
  EventValidationError,
  eventJsonSchemas,
  asyncApiDocument,
  ENROLLMENT_EVENT_TYPES,
  HINT_EVENT_TYPES,
} from '../src/index.js';
import { requestedData, SOURCE } from './support/builders.js';

const base = { subject: 'enr-1', sequence: 2, source: SOURCE, correlationId: 'c-1' };
const started = {
  operationId: 'op-1',
  transport: 'inline' as const,
  operationExpiresAt: '2025-01-01T01:00:00.000Z',
};

describe('secrets stay out of events', () => {
  const savedEnv = process.env.EVENTS_INCLUDE_CAPTURE_URL;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.EVENTS_INCLUDE_CAPTURE_URL;
    else process.env.EVENTS_INCLUDE_CAPTURE_URL = savedEnv;
  });

  it.each([
    ['oneTimeSecret', { ...started, oneTimeSecret: 's3cret' }],
    ['tempId', { operationId: 'op-1', upstreamStatus: 1, message: null, tempId: 'tmp-1' }],
    ['nested image data', { ...started, extra: { imageData: 'AAAA' } }],
    ['access token', { ...started, accessToken: 'eyJ' }],
  ])('createEvent refuses data carrying %s', (_what, data) => {
    const type = 'upstreamStatus' in data ? EVENT_TYPES.captureCompleted : EVENT_TYPES.captureStarted;
    let error: unknown;
    try {
      createEvent({ ...base, type, data: data as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).reason).toBe('forbidden_field');
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('the selfie image never fits enrollment.requested: only ref and digest survive', () => {
    expect(() =>
      createEvent({
        ...base,
        sequence: 1,
        type: EVENT_TYPES.requested,
        data: requestedData('enr-1', 'import', {
          selfie: { ref: 'r', digest: 'a'.repeat(64), dataType: 1, data: 'AAAA' } as never,
        }),
      }),
    ).toThrow(EventValidationError);
    const parsed = eventDataSchemas[EVENT_TYPES.requested].parse({
      ...requestedData('enr-1', 'import'),
      selfieData: 'AAAA',
      tempId: 't',
    });
    expect(parsed).not.toHaveProperty('selfieData');
    expect(parsed).not.toHaveProperty('tempId');
  });

  it('consumers strip unknown (possibly secret) fields a foreign producer put in the value', () => {
    const event = createEvent({
      ...base,
      type: EVENT_TYPES.captureCompleted,
      data: { operationId: 'op-1', upstreamStatus: 1, message: null },
    });
    const record = encodeEvent(event);
    const tampered = {
      ...record,
      value: JSON.stringify({ ...JSON.parse(record.value), tempId: 'tmp-1', oneTimeSecret: 'x' }),
    };
    const decoded = decodeEvent(tampered);
    expect(decoded.data).toEqual({ operationId: 'op-1', upstreamStatus: 1, message: null });
  });

  it('drops captureUrl unless explicitly enabled (option or EVENTS_INCLUDE_CAPTURE_URL)', () => {
    delete process.env.EVENTS_INCLUDE_CAPTURE_URL;
    const data = { ...started, captureUrl: 'https://id.example/?i=secret' };
    expect(createEvent({ ...base, type: EVENT_TYPES.captureStarted, data }).data).not.toHaveProperty(
      'captureUrl',
    );
    expect(
      createEvent({ ...base, type: EVENT_TYPES.captureStarted, data, includeCaptureUrl: true }).data,
    ).toHaveProperty('captureUrl', data.captureUrl);
    process.env.EVENTS_INCLUDE_CAPTURE_URL = 'true';
    expect(createEvent({ ...base, type: EVENT_TYPES.captureStarted, data }).data).toHaveProperty(
      'captureUrl',
      data.captureUrl,
    );
    expect(
      createEvent({ ...base, type: EVENT_TYPES.captureStarted, data, includeCaptureUrl: false }).data,
    ).not.toHaveProperty('captureUrl');
  });
});

describe('event data schemas', () => {
  it('require a selfie reference for import', () => {
    const { selfie: _s, ...withoutSelfie } = requestedData('enr-1', 'import');
    expect(eventDataSchemas[EVENT_TYPES.requested].safeParse(withoutSelfie).success).toBe(false);
    expect(eventDataSchemas[EVENT_TYPES.requested].safeParse(requestedData('enr-1', 'import')).success).toBe(
      true,
    );
  });

  it('reject a non-terminal upstream status in capture_completed and malformed digests', () => {
    expect(
      eventDataSchemas[EVENT_TYPES.captureCompleted].safeParse({
        operationId: 'op',
        upstreamStatus: 0,
        message: null,
      }).success,
    ).toBe(false);
    const bad = requestedData('enr-1', 'import', { selfie: { ref: 'r', digest: 'xyz', dataType: 1 } });
    expect(() => createEvent({ ...base, sequence: 1, type: EVENT_TYPES.requested, data: bad })).toThrow(
      EventValidationError,
    );
  });

  it('export one open JSON Schema per type and an AsyncAPI 3 document listing every type on its topic', () => {
    const schemas = eventJsonSchemas();
    expect(Object.keys(schemas).sort()).toEqual(Object.values(EVENT_TYPES).sort());
    const requested = schemas[EVENT_TYPES.requested] as {
      properties: { type: { const: string }; data: { required: string[] } };
    };
    expect(requested.properties.type.const).toBe(EVENT_TYPES.requested);
    expect(requested.properties.data.required).toContain('enrollmentId');
    expect(JSON.stringify(schemas)).not.toContain('"additionalProperties":false');
    const doc = asyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
    };
    expect(doc.asyncapi).toBe('3.0.0');
    const { enrollmentEvents, hints } = doc.channels;
    assert.ok(enrollmentEvents && hints);
    expect(Object.keys(enrollmentEvents.messages)).toEqual([...ENROLLMENT_EVENT_TYPES]);
    expect(Object.keys(hints.messages)).toEqual([...HINT_EVENT_TYPES]);
    expect(enrollmentEvents.address).toBe('verified.enrollment.events.v1');
  });
});

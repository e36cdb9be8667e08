import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventId, uuidV5 } from '../src/index.js';

describe('deterministic event ids', () => {
  it('implements RFC 4122 version 5 (known vector: DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('gives a re-executed step the same UUID-shaped id', () => {
    const a = eventId('enr-1', EVENT_TYPES.accountCreated);
    expect(eventId('enr-1', EVENT_TYPES.accountCreated)).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs by subject, type and discriminator, without ambiguity between the parts', () => {
    const ids = new Set([
      eventId('enr-1', EVENT_TYPES.failed),
      eventId('enr-2', EVENT_TYPES.failed),
      eventId('enr-1', EVENT_TYPES.retried),
      eventId('enr-1', EVENT_TYPES.failed, 1),
      eventId('enr-1', EVENT_TYPES.failed, 2),
      eventId('enr-1', EVENT_TYPES.failed, '1x'),
    ]);
    expect(ids.size).toBe(6);
    expect(eventId('enr-1', EVENT_TYPES.failed, 1)).toBe(eventId('enr-1', EVENT_TYPES.failed, '1'));
  });
});

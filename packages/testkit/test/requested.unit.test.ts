import { parseEvent } from '@verified-onboard/events';
import { describe, expect, it } from 'vitest';
import { requestedData, requestedEvent } from '../src/index.js';

describe('the requested fixture', () => {
  it('is a valid first event of its enrollment, as the catalogue parses it', () => {
    const event = requestedEvent('enr-1', { mode: 'recapture', tenant: 'acme' });
    const parsed = parseEvent(JSON.parse(JSON.stringify(event)) as unknown);
    expect(parsed).toMatchObject({ subject: 'enr-1', sequence: 1, correlationid: 'enr-1' });
    expect(parsed.data).toMatchObject({ enrollmentId: 'enr-1', mode: 'recapture', tenant: 'acme' });
  });

  it('overrides win over every default', () => {
    expect(requestedData('enr-2', { accountNumber: 'a-2', timeoutSec: 5 })).toMatchObject({
      accountNumber: 'a-2',
      timeoutSec: 5,
    });
    expect(requestedEvent('enr-3', {}, { correlationId: 'c-3', source: '/s' })).toMatchObject({
      correlationid: 'c-3',
      source: '/s',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { apiErrorFrom } from '../src/api-client.js';

describe('apiErrorFrom', () => {
  it('reads the api problem+json: code, detail and errors', () => {
    const problem = {
      type: 'urn:verified-onboard:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is invalid.',
      instance: 'urn:verified-onboard:request:r-1',
      code: 'validation_failed',
      errors: [{ field: 'displayName', reason: 'contains a control character' }],
    };
    const error = apiErrorFrom(400, 'Bad Request', JSON.stringify(problem));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('The request body is invalid. (HTTP 400, validation_failed)');
    expect(error.details).toEqual(problem.errors);
  });

  it('keeps the status and the first bytes of an answer of another shape', () => {
    const error = apiErrorFrom(502, 'Bad Gateway', '<html>bad gateway</html>');
    expect(error.code).toBe('http_502');
    expect(error.message).toBe('<html>bad gateway</html> (HTTP 502, http_502)');
    expect(error.details).toEqual([]);
  });
});

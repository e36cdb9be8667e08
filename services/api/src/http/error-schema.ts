import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../errors.js';

export const problemSchema = z
  .object({
    type: z.string().describe('urn:verified-onboard:problem:<code>'),
    title: z.string().describe('The HTTP status phrase.'),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, for a person.'),
    instance: z
      .string()
      .describe('urn:verified-onboard:request:<id>; the same id is in X-Request-Id and the log.'),
    code: z.string().describe('Stable machine-readable code (see docs/api.md).'),
    errors: z
      .array(z.object({ field: z.string().nullable(), reason: z.string() }))
      .optional()
      .describe('One entry per refused field.'),
  })
  .describe('Every error is an RFC 9457 problem (application/problem+json).');

const problemResponse = { content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };

/** Response entries for the error statuses a route can answer, so the OpenAPI document lists them. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse])) as Record<
    number,
    typeof problemResponse
  >;
}

import { z } from 'zod';

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code (see docs/api.md).'),
      message: z.string(),
      details: z.array(z.object({ field: z.string().nullable(), reason: z.string() })),
    }),
  })
  .describe('Every error has this shape.');

/** Response entries for the error statuses a route can answer, so the OpenAPI document lists them. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, errorBodySchema])) as Record<
    number,
    typeof errorBodySchema
  >;
}

import { z } from 'zod';

/** Upstream status codes shared by operations and transactions: 0 pending, 1 accepted, 2 rejected, 3 expired, 4 error, 5 canceled. */
export const upstreamStatusSchema = z.literal([0, 1, 2, 3, 4, 5]);
export type UpstreamStatus = z.infer<typeof upstreamStatusSchema>;

export const TRANSPORT_TYPES = [0, 1, 2] as const;
export const transportTypeSchema = z.literal(TRANSPORT_TYPES);
export type TransportType = z.infer<typeof transportTypeSchema>;

/** Upstream strings that may be absent, null or empty; the client exposes them as `string | null`. */
export const optionalString = z
  .string()
  .nullish()
  .transform((value) => (value === undefined || value === '' ? null : value));

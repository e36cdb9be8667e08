import { z } from 'zod';

/** The upstream's .NET exception-style error body; every field is optional because proxies answer too. */
export const errorBodySchema = z.looseObject({
  ID: z.string().nullish(),
  Message: z.string().nullish(),
  Code: z.union([z.string(), z.number()]).nullish(),
});

export interface UpstreamErrorInfo {
  upstreamId?: string;
  upstreamMessage?: string;
}

/** Reads ID and Message if the body is an upstream error object; anything else yields nothing. */
export function readUpstreamError(body: unknown): UpstreamErrorInfo {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const info: UpstreamErrorInfo = {};
  if (parsed.data.ID) info.upstreamId = parsed.data.ID;
  if (parsed.data.Message) info.upstreamMessage = parsed.data.Message.slice(0, 500);
  return info;
}

import { parseRedisUrl, RedisUrlError } from '@verified-onboard/contracts';
import { z } from 'zod';

/** REDIS_URL in a process's configuration schema: a malformed URL is a configuration error at start. */
export const redisUrlSchema = z
  .string()
  .trim()
  .min(1)
  .superRefine((url, ctx) => {
    try {
      parseRedisUrl(url);
    } catch (error) {
      if (!(error instanceof RedisUrlError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

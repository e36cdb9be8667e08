import {
  parseRedisUrl,
  RedisClusterNodesError,
  RedisUrlError,
  redisUrlFromEnvironment,
} from '@verified-onboard/contracts';
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

/**
 * REDIS_CLUSTER_NODES, the other way to name a cluster: the `redis+cluster://` URL it stands for (undefined when
 * it is unset, and REDIS_URL applies), or its problem as a configuration issue naming the variable.
 */
export function redisClusterNodesSetting(env: Record<string, string | undefined>): {
  url: string | undefined;
  issues: { path: string; message: string }[];
} {
  if ((env.REDIS_CLUSTER_NODES ?? '').trim() === '') return { url: undefined, issues: [] };
  try {
    return { url: redisUrlFromEnvironment(env), issues: [] };
  } catch (error) {
    if (!(error instanceof RedisClusterNodesError)) throw error;
    return { url: undefined, issues: [{ path: error.variable, message: error.detail }] };
  }
}

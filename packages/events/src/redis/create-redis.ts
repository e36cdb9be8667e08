import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';

/** How a process reaches Redis beyond its URL: the CA that signed the server's certificate (REDIS_TLS_CA_FILE). */
export interface RedisTls {
  /** PEM file; unset: the system's trusted CAs. Only used with a `rediss://` URL. */
  caFile?: string | undefined;
}

/**
 * Every Redis connection of the api, the worker, the projector and BullMQ is made here, so that one URL decides
 * the transport for all of them: `rediss://` is TLS (verified against REDIS_TLS_CA_FILE when set), and
 * `user:password@` logs in as a Redis ACL user. ioredis reads the scheme and the credentials from the URL itself;
 * what it cannot know is the CA file.
 */
export function createRedis(url: string, options: RedisOptions = {}, tls: RedisTls = {}): Redis {
  const secure = /^rediss:\/\//i.test(url);
  const ca = secure && tls.caFile ? { ca: readFileSync(tls.caFile) } : {};
  return new Redis(url, { ...options, ...(secure ? { tls: { ...options.tls, ...ca } } : {}) });
}

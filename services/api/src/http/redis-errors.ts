import type { RedisOptions } from 'ioredis';
import { ServiceUnavailableError } from '../errors.js';

/** The api's command connection: fail fast while Redis is away (the request answers 503), never queue. */
export const API_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
} satisfies RedisOptions;

// ioredis's own texts for "no connection": with enableOfflineQueue false a command fails at once with the first
// (the third on a Redis Cluster no node of which answers); a connection that closes under pending commands
// rejects them with the second.
const NO_CONNECTION_MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  "Cluster isn't ready and enableOfflineQueue options is false",
];
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** True for the errors ioredis raises when Redis cannot be reached (not for a command Redis refused). */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError') return true;
  if (NO_CONNECTION_MESSAGES.includes(error.message)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && SOCKET_CODES.has(code) && error.name !== 'KafkaJSError';
}

export class RedisUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('redis_unavailable', 'Redis is unreachable; nothing was done. Retry later.', 5);
  }
}

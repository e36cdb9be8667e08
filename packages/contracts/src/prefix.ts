import { InvalidQueuePrefixError } from './errors.js';

export const DEFAULT_QUEUE_PREFIX = 'vo';

/**
 * What QUEUE_PREFIX may hold. One rule for the api and the worker: both must derive the same queue and key
 * names from it, so a value one of them accepts and the other refuses would split a deployment.
 */
export const QUEUE_PREFIX_PATTERN = /^[A-Za-z0-9._-]+$/;
export const QUEUE_PREFIX_RULE =
  'letters, digits and . _ - only (no ":", whitespace or braces: it prefixes Redis keys, and the hash tag is added for you)';

/** The two names QUEUE_PREFIX yields: BullMQ's `prefix` option and the namespace of every other key. */
export interface RedisNamespaces {
  /**
   * BullMQ's `prefix` option for every queue: QUEUE_PREFIX in braces, a Redis Cluster hash tag, because
   * BullMQ's scripts touch many keys of a queue at once and Cluster allows that only within one hash slot.
   * Kept apart from `keys`: were every key tagged `{vo}`, the whole keyspace would sit on one slot.
   */
  readonly queue: string;
  /** First segment of every other key, without the trailing ':'. */
  readonly keys: string;
  /** `${keys}:`, the form the read model, the selfie vault and the token store take. */
  readonly keyspace: string;
}

export function parseQueuePrefix(value: string = DEFAULT_QUEUE_PREFIX): RedisNamespaces {
  if (!QUEUE_PREFIX_PATTERN.test(value)) throw new InvalidQueuePrefixError(value, QUEUE_PREFIX_RULE);
  return { queue: `{${value}}`, keys: value, keyspace: `${value}:` };
}

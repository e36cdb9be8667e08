export { QUEUES, type QueueName } from './queues.js';
export {
  DEFAULT_QUEUE_PREFIX,
  QUEUE_PREFIX_PATTERN,
  QUEUE_PREFIX_RULE,
  parseQueuePrefix,
  type RedisNamespaces,
} from './prefix.js';
export { InvalidQueuePrefixError, InvalidRedactPathError } from './errors.js';
export { createRedactor, type Redactor } from './log-redaction.js';
export { sharedKeys, type SharedKeys } from './redis-keys.js';
export { ENDPOINT_NAMES, UPSTREAM_PREFIXES, EMULATOR_CONTROL_PREFIX, type EndpointName } from './upstream.js';
export { HEADERS } from './headers.js';
export {
  parseRedisNode,
  parseRedisUrl,
  RedisUrlError,
  type RedisNode,
  type RedisTarget,
} from './redis-url.js';
export {
  parseRedisClusterNodes,
  RedisClusterNodesError,
  redisUrlFromEnvironment,
  type RedisClusterNodesReason,
} from './redis-cluster-nodes.js';

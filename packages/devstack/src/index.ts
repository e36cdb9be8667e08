export { repoRoot, localDir, logFile, pidFile } from './paths.js';
export { freePort, isPortOpen } from './ports.js';
export { waitFor, sleep, WaitTimeoutError, type WaitOptions } from './wait-for.js';
export { pingRedis, startRedisServer, type RedisHandle, type StartedRedis } from './redis-launcher.js';
export { redisClusterReady, type RedisClusterSeed } from './redis-cluster-state.js';
export { redisClient, redisMasters } from './redis-client.js';
export {
  startRedisCluster,
  RedisClusterError,
  type RedisClusterNode,
  type RedisClusterOptions,
  type StartedRedisCluster,
} from './redis-cluster-launcher.js';
export { deleteKeysWithPrefix, keysMatching } from './redis-keys.js';
export {
  fetchKafka,
  startKafka,
  startPrivateKafka,
  stopKafka,
  kafkaAlive,
  type KafkaOptions,
  type PrivateKafka,
  type PrivateKafkaFiles,
} from './kafka-launcher.js';
export { testInfra, isolatedNames, type TestInfra } from './test-infra.js';
export {
  logTail,
  tsEntry,
  startService,
  waitServiceReady,
  ServiceExitedError,
  type ServiceSpec,
  type ServiceReadiness,
} from './service-process.js';
export { spawnEntry, startEntryUntilHealthy, type EntryProcess } from './entry-process.js';
export { startManaged, stopManaged, recordedPid, isAlive, type ManagedProcess } from './process-registry.js';
export { stackUp, stackDown, stackStatus, stackPorts, stackEnv, type StackPorts } from './stack.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';

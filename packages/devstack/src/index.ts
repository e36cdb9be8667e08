export { repoRoot, localDir, logFile, pidFile } from './paths.js';
export { freePort, isPortOpen, waitForPort } from './ports.js';
export { waitFor, sleep, WaitTimeoutError, type WaitOptions } from './wait-for.js';
export { pingRedis, startRedisServer, type RedisHandle } from './redis-launcher.js';
export { deleteKeysWithPrefix } from './redis-keys.js';
export { fetchKafka, startKafka, stopKafka, kafkaAlive, type KafkaOptions } from './kafka-launcher.js';
export { testInfra, isolatedNames, type TestInfra } from './test-infra.js';
export { startManaged, stopManaged, recordedPid, isAlive, type ManagedProcess } from './process-registry.js';
export { stackUp, stackDown, stackStatus, stackPorts, stackEnv, type StackPorts } from './stack.js';

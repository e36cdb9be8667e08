import { existsSync } from 'node:fs';

export interface ContainerInfra {
  redisUrl: string;
  kafkaBrokers: string;
  stop(): Promise<void>;
}

/**
 * True when a Docker engine is plausibly reachable. The socket check is cheap; testcontainers then
 * confirms for real, and any failure falls back to the local launchers.
 */
export function dockerLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** Redis and Apache Kafka (same 3.9 line as the local launcher) in containers, via testcontainers. */
export async function startContainers(): Promise<ContainerInfra> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  await getContainerRuntimeClient(); // throws when no engine answers
  const redis = await new GenericContainer('redis:7-alpine')
    .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  // Kafka advertises the host-mapped port, so pick it first and map it 1:1.
  const { freePort } = await import('./ports.js');
  const port = await freePort();
  const kafka = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://0.0.0.0:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '3',
    })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .start();
  return {
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    kafkaBrokers: `127.0.0.1:${port}`,
    async stop() {
      await Promise.allSettled([kafka.stop(), redis.stop()]);
    },
  };
}

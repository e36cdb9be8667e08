import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { freePort, isPortOpen } from './ports.js';
import { waitFor } from './wait-for.js';

export interface KafkaOptions {
  port: number;
  /** KRaft controller listener; defaults to port + 1. */
  controllerPort?: number;
  dataDir: string;
  pidFile: string;
  logFile: string;
  /** Wipe the data dir first (tests); the demo keeps its log between runs. */
  fresh?: boolean;
  heap?: string;
}

const script = join(repoRoot, 'scripts', 'kafka.sh');

function kafkaSh(command: 'fetch' | 'start' | 'stop' | 'status', options?: KafkaOptions): number {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options) {
    env.KAFKA_PORT = String(options.port);
    env.KAFKA_CONTROLLER_PORT = String(options.controllerPort ?? options.port + 1);
    env.KAFKA_DATA = options.dataDir;
    env.KAFKA_PID_FILE = options.pidFile;
    env.KAFKA_LOG_FILE = options.logFile;
    env.KAFKA_FRESH = options.fresh ? '1' : '0';
    if (options.heap) env.KAFKA_HEAP = options.heap;
  }
  return spawnSync('bash', [script, command], { stdio: ['ignore', 'inherit', 'inherit'], env }).status ?? 1;
}

/** Resolves the broker jars from Maven Central once; later calls find them cached in tools/kafka/lib. */
export function fetchKafka(): void {
  if (kafkaSh('fetch') !== 0)
    throw new Error('could not fetch Kafka from Maven Central (see the output above)');
}

/** Starts a single-node KRaft broker and resolves once it accepts connections. */
export function startKafka(options: KafkaOptions): string {
  if (kafkaSh('start', options) !== 0)
    throw new Error(`Kafka did not start on 127.0.0.1:${options.port}; see ${options.logFile}`);
  return `127.0.0.1:${options.port}`;
}

export function stopKafka(options: KafkaOptions): void {
  kafkaSh('stop', options);
}

export function kafkaAlive(options: KafkaOptions): boolean {
  return kafkaSh('status', options) === 0;
}

/** Where a private broker keeps its data, pid and log; everything else of it is chosen here. */
export type PrivateKafkaFiles = Pick<KafkaOptions, 'dataDir' | 'pidFile' | 'logFile' | 'heap'>;

/** A broker started by `startPrivateKafka`. */
export interface PrivateKafka {
  /** Bootstrap address, 127.0.0.1:port. */
  broker: string;
  options: KafkaOptions;
  stop(): void;
  /** Stops the broker and starts it again on the same ports and data: its log, offsets and groups survive. */
  restart(): Promise<void>;
}

/** A fresh single-node broker of its own on free ports (the tests' global setup, the e2e soak, the bench). */
export async function startPrivateKafka(files: PrivateKafkaFiles): Promise<PrivateKafka> {
  fetchKafka();
  const port = await freePort();
  const controllerPort = await freePort();
  const options: KafkaOptions = { ...files, port, controllerPort, fresh: true };
  return {
    broker: startKafka(options),
    options,
    stop: () => stopKafka(options),
    async restart() {
      stopKafka(options);
      // The start refuses a port that still accepts connections: wait until the stopped broker let go of both.
      await waitFor(
        `the stopped broker releasing ports ${port} and ${controllerPort}`,
        async () => !(await isPortOpen(port)) && !(await isPortOpen(controllerPort)),
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      startKafka({ ...options, fresh: false });
    },
  };
}

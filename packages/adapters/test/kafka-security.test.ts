import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, repoRoot, waitFor } from '@verified-onboard/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKafka,
  ensureTopics,
  EventConsumer,
  EventProducer,
  type ConsumedEvent,
  type KafkaSecurity,
} from '../src/index.js';
import { happyPath } from './support/builders.js';

const run = promisify(execFile);
const STORE_PASSWORD = 'test-store-password';
const USERS = { scram: ['alice', 'alice-secret-1'], plain: ['bob', 'bob-secret-2'] } as const;

let dir: string;
let brokerEnv: NodeJS.ProcessEnv;
let saslSslBroker: string;
let caFile: string;

/** A CA and a broker keystore (PKCS12, SAN 127.0.0.1) signed by it, with the JDK's keytool. */
async function makeCertificates(): Promise<void> {
  const keytool = (...args: string[]) => run('keytool', args);
  const ca = join(dir, 'ca.p12');
  const broker = join(dir, 'broker.p12');
  const common = [
    '-storetype',
    'PKCS12',
    '-storepass',
    STORE_PASSWORD,
    '-keyalg',
    'EC',
    '-groupname',
    'secp256r1',
  ];
  await keytool(
    '-genkeypair',
    '-keystore',
    ca,
    ...common,
    '-alias',
    'ca',
    '-dname',
    'CN=test-ca',
    '-validity',
    '2',
    '-ext',
    'bc:c',
  );
  await keytool(
    '-exportcert',
    '-keystore',
    ca,
    '-storepass',
    STORE_PASSWORD,
    '-alias',
    'ca',
    '-rfc',
    '-file',
    caFile,
  );
  await keytool(
    '-genkeypair',
    '-keystore',
    broker,
    ...common,
    '-alias',
    'broker',
    '-dname',
    'CN=127.0.0.1',
    '-validity',
    '2',
  );
  const csr = join(dir, 'broker.csr');
  const signed = join(dir, 'broker.pem');
  await keytool(
    '-certreq',
    '-keystore',
    broker,
    '-storepass',
    STORE_PASSWORD,
    '-alias',
    'broker',
    '-file',
    csr,
  );
  await keytool(
    '-gencert',
    '-keystore',
    ca,
    '-storepass',
    STORE_PASSWORD,
    '-alias',
    'ca',
    '-infile',
    csr,
    '-outfile',
    signed,
    '-rfc',
    '-validity',
    '2',
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
  );
  await keytool(
    '-importcert',
    '-keystore',
    broker,
    '-storepass',
    STORE_PASSWORD,
    '-alias',
    'ca',
    '-file',
    caFile,
    '-noprompt',
  );
  await keytool(
    '-importcert',
    '-keystore',
    broker,
    '-storepass',
    STORE_PASSWORD,
    '-alias',
    'broker',
    '-file',
    signed,
  );
}

function kafkaSh(command: 'start' | 'stop'): number {
  const script = join(repoRoot, 'scripts', 'kafka.sh');
  return (
    spawnSync('bash', [script, command], { stdio: ['ignore', 'inherit', 'inherit'], env: brokerEnv })
      .status ?? 1
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vo-kafka-sasl-'));
  caFile = join(dir, 'ca.pem');
  await makeCertificates();
  const [port, controllerPort, saslSslPort] = [await freePort(), await freePort(), await freePort()];
  brokerEnv = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_SASL_SSL_PORT: String(saslSslPort),
    KAFKA_DATA: join(dir, 'data'),
    KAFKA_PID_FILE: join(dir, 'kafka.pid'),
    KAFKA_LOG_FILE: join(dir, 'kafka.log'),
    KAFKA_FRESH: '1',
    KAFKA_HEAP: '-Xms128m -Xmx384m',
    KAFKA_SSL_KEYSTORE: join(dir, 'broker.p12'),
    KAFKA_SSL_KEYSTORE_PASSWORD: STORE_PASSWORD,
    KAFKA_SASL_USERS: `${USERS.scram.join(':')},${USERS.plain.join(':')}`,
  };
  if (kafkaSh('start') !== 0)
    throw new Error(`the SASL_SSL broker did not start; see ${brokerEnv.KAFKA_LOG_FILE}`);
  saslSslBroker = `127.0.0.1:${saslSslPort}`;
}, 180_000);

afterAll(async () => {
  if (brokerEnv) kafkaSh('stop');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `retries: 0` for the refusals, so they fail at once; the idempotent producer needs retries. */
function client(label: string, security: KafkaSecurity, retries = 5) {
  return createKafka({
    brokers: [saslSslBroker],
    clientId: `sasl-test-${label}`,
    security,
    retries,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 5000,
  });
}

const saslSsl = (
  mechanism: 'scram-sha-512' | 'plain',
  username: string,
  password: string,
): KafkaSecurity => ({
  protocol: 'SASL_SSL',
  caFile,
  sasl: { mechanism, username, password },
});

async function connectAdmin(security: KafkaSecurity): Promise<void> {
  const admin = client('refused', security, 0).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('Kafka over SASL_SSL (TLS with a CA made by keytool)', () => {
  for (const [mechanism, [username, password]] of [
    ['scram-sha-512', USERS.scram],
    ['plain', USERS.plain],
  ] as const) {
    it(`publishes and consumes through EventProducer and EventConsumer with ${mechanism}`, async () => {
      const kafka = client(mechanism, saslSsl(mechanism, username, password));
      const topics = await ensureTopics(kafka, `sasl-${mechanism}-`, {
        enrollmentPartitions: 1,
        hintPartitions: 1,
      });
      const events = happyPath(`sasl-${mechanism}`, 'capture').events;
      const producer = new EventProducer(kafka);
      await producer.connect();
      await producer.publish(topics.enrollmentEvents, events);
      await producer.disconnect();
      const received: ConsumedEvent[] = [];
      const consumer = new EventConsumer(kafka, {
        topics: [topics.enrollmentEvents],
        deadLetterTopic: topics.deadLetter,
        groupId: `sasl-${mechanism}`,
        fromBeginning: true,
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 1000,
        handler: (consumed) => {
          received.push(consumed);
          return Promise.resolve();
        },
      });
      await consumer.start();
      try {
        await waitFor(`${events.length} events back over SASL_SSL`, () => received.length >= events.length, {
          timeoutMs: 30_000,
        });
      } finally {
        await consumer.stop();
      }
      expect(received.map((c) => c.event.id)).toEqual(events.map((e) => e.id));
    });
  }

  it('refuses a wrong password for either mechanism', async () => {
    await expect(connectAdmin(saslSsl('scram-sha-512', USERS.scram[0], 'wrong-password'))).rejects.toThrow(
      /SASL|authentication/i,
    );
    await expect(connectAdmin(saslSsl('plain', USERS.plain[0], 'wrong-password'))).rejects.toThrow(
      /SASL|authentication/i,
    );
  });

  it('refuses a client without TLS, and a TLS client that does not trust the CA', async () => {
    await expect(
      connectAdmin({
        protocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'scram-sha-512', username: USERS.scram[0], password: USERS.scram[1] },
      }),
    ).rejects.toThrow();
    await expect(
      connectAdmin({
        protocol: 'SASL_SSL',
        sasl: { mechanism: 'scram-sha-512', username: USERS.scram[0], password: USERS.scram[1] },
      }),
    ).rejects.toThrow(/certificate/i);
  });
});

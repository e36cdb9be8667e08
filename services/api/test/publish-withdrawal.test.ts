import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedNames, startPrivateKafka, waitFor, type PrivateKafka } from '@verified-onboard/devstack';
import { createKafka, ensureTopics, EventProducer, type Kafka } from '@verified-onboard/adapters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchEnrollmentId, idempotentEnrollmentId } from '../src/ids.js';
import { AUTH, errorOf, KEYS, messageCount, startTestApp, type TestApp } from './support/harness.js';

/**
 * A broker of its own, paused with SIGSTOP (the shared one serves every other test file): a paused broker keeps
 * its connections open and answers nothing, so a request sent to it stays in flight while later publishes queue
 * up behind it in the producer, which is exactly the late-acknowledgement case.
 */
const TIMEOUT_MS = 1000;
let dir: string;
let broker: PrivateKafka;
let kafka: Kafka;
let producer: EventProducer;
let t: TestApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'api-publish-withdrawal-'));
  broker = await startPrivateKafka({
    dataDir: join(dir, 'kafka'),
    pidFile: join(dir, 'kafka.pid'),
    logFile: join(dir, 'kafka.log'),
    heap: '-Xms128m -Xmx384m',
  });
  const names = isolatedNames('publish-withdrawal');
  kafka = createKafka({ brokers: [broker.broker], clientId: `api-test-${names.id}` });
  await ensureTopics(kafka, names.topicPrefix, { enrollmentPartitions: 3, hintPartitions: 1 });
  // The test's own producer, so it can see when a request is in flight (the app does not close it).
  producer = new EventProducer(kafka, { lingerMs: 5, maxBatchSize: 2000 });
  t = await startTestApp('publish-withdrawal', {
    names,
    kafka,
    env: { KAFKA_BROKERS: broker.broker, API_PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS) },
    deps: { producer },
  });
}, 180_000);

afterAll(async () => {
  if (brokerPid() !== null) process.kill(brokerPid() as number, 'SIGCONT');
  await t?.close();
  await producer?.disconnect().catch(() => undefined);
  broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

function brokerPid(): number | null {
  try {
    return Number(readFileSync(broker.options.pidFile, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Runs `during` with the broker paused, and resumes it whatever happens. */
async function whilePaused<T>(during: () => Promise<T>): Promise<T> {
  const pid = brokerPid();
  if (pid === null) throw new Error('the private broker has no pid file');
  process.kill(pid, 'SIGSTOP');
  try {
    return await during();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

const single = (key: string) =>
  t.post('/v1/enrollments', { displayName: `Person ${key}` }, { ...AUTH, 'idempotency-key': key });
const batch = (key: string) =>
  t.post('/v1/enrollments/batch', '{"displayName":"Line one"}\n{"displayName":"Line two"}\n', {
    ...AUTH,
    'idempotency-key': key,
    'content-type': 'application/x-ndjson',
  });
const inFlight = () => waitFor('a request in flight to the paused broker', () => producer.stats.inFlight > 0);
const settled = () => waitFor('the in-flight request to settle', () => producer.stats.inFlight === 0);
const batchIdOf = (res: Awaited<ReturnType<typeof batch>>) =>
  errorOf(res).details.find((d) => d.field === 'batchId')?.reason ?? '';

it('a timed-out publish is withdrawn (503, never sent later); one already sent is awaited (502), and it arrives', async () => {
  expect((await single('warm-up')).statusCode).toBe(202);

  const [sent, withdrawn, withdrawnBatch] = await whilePaused(async () => {
    const first = single('in-flight');
    await inFlight();
    // Both queue behind the request the paused broker holds, and time out there.
    return Promise.all([first, single('withdrawn'), batch('withdrawn-batch')]);
  });
  expect(sent.statusCode).toBe(502);
  expect(errorOf(sent).code).toBe('publish_unacknowledged');
  expect(errorOf(sent).message).toContain('retry with the same Idempotency-Key');
  expect(withdrawn.statusCode).toBe(503);
  expect(errorOf(withdrawn).code).toBe('kafka_unavailable');
  expect(Number(withdrawn.headers['retry-after'])).toBeGreaterThan(0);
  expect(withdrawnBatch.statusCode).toBe(503);
  expect(errorOf(withdrawnBatch).code).toBe('kafka_unavailable');
  expect(Number(withdrawnBatch.headers['retry-after'])).toBeGreaterThan(0);
  await settled();

  // A batch whose publish was already sent when the broker stopped answering: it may have been accepted.
  const sentBatch = await whilePaused(async () => {
    const answer = batch('in-flight-batch');
    await inFlight();
    return answer;
  });
  expect(sentBatch.statusCode).toBe(502);
  expect(errorOf(sentBatch).code).toBe('batch_publish_failed');
  expect(errorOf(sentBatch).details).toContainEqual({ field: 'accepted', reason: '0' });
  await settled();

  // Acknowledged after everything above settled: the producer sends in queue order, so anything withdrawn that were
  // still to be sent would be on the topic before this.
  expect((await single('after')).statusCode).toBe(202);
  const collector = await t.collect(t.topics.enrollmentEvents);
  const subjects = () => new Set(collector.events.map((e) => e.subject));
  const arrived = [
    idempotentEnrollmentId(KEYS.all.id, 'warm-up'),
    idempotentEnrollmentId(KEYS.all.id, 'in-flight'),
    batchEnrollmentId(batchIdOf(sentBatch), 1),
    batchEnrollmentId(batchIdOf(sentBatch), 2),
    idempotentEnrollmentId(KEYS.all.id, 'after'),
  ];
  await waitFor('the acknowledged and the late-acknowledged events', () =>
    arrived.every((id) => subjects().has(id)),
  );
  expect(subjects()).not.toContain(idempotentEnrollmentId(KEYS.all.id, 'withdrawn'));
  expect(subjects()).not.toContain(batchEnrollmentId(batchIdOf(withdrawnBatch), 1));
  expect(await messageCount(kafka, t.topics.enrollmentEvents)).toBe(arrived.length);
  expect(collector.events).toHaveLength(arrived.length);
}, 120_000);

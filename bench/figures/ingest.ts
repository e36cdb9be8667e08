// Figure "ingest": enrollments/s through POST /v1/enrollments/batch into Kafka (acknowledged), beside a raw kafkajs
// producer sending the very same encoded records (read back from the topic the api wrote) with the same producer
// guarantees (idempotent, acks = all). The ratio is what HTTP streaming, parsing, validation and event
// construction leave of the bare producer's rate.
import { encodeEvent, topicNames, type EncodedEvent } from '@verified-onboard/events';
import { scanEventLog } from '@verified-onboard/adapters';
import * as bench from '../harness.js';
import { rawProducerFor } from '../raw-producer.js';
import { round } from '../stats.js';

const TARGET_RATIO = 0.5;
/** Records per produce call of the baseline: the api publishes in chunks of this size too. */
const RAW_CHUNK = 1000;

export async function ingestFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const { stack, say } = ctx;
  const size = bench.scaled(ctx, 100_000, 1000);
  // The api alone: no worker consumes these topics, so nothing else competes for the two cores.
  const app = await stack.app('ingest', { workers: 0 });
  let api: { batchId: string; accepted: number; ms: number; bodyBytes: number };
  try {
    // A small batch first, so the producer's connect and metadata fetch are not part of the figure.
    await bench.submitBatch(
      app,
      bench.ndjsonBatch(`ingest-warmup-${stack.runId}`, 100),
      `ingest-warmup-${stack.runId}`,
    );
    const body = bench.ndjsonBatch(`ing-${stack.runId}`, size, { timeoutSec: 3600 });
    say(`ingest: posting ${size} lines (${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB)`);
    const result = await bench.submitBatch(app, body, `ingest-${stack.runId}`);
    api = { ...result, bodyBytes: Buffer.byteLength(body) };
  } finally {
    await app.stop();
  }

  say('ingest: reading the records back for the raw producer baseline');
  const topic = topicNames(app.topicPrefix).enrollmentEvents;
  const records: EncodedEvent[] = [];
  await scanEventLog(stack.kafka, {
    topic,
    onEvent: (event) => {
      if (event.correlationid === api.batchId) records.push(encodeEvent(event));
    },
  });
  if (records.length !== api.accepted)
    throw new Error(`read back ${records.length} records of the ${api.accepted} the api accepted`);
  const recordBytes = records.reduce(
    (n, r) =>
      n +
      r.key.length +
      r.value.length +
      Object.entries(r.headers).reduce((h, [k, v]) => h + k.length + v.length, 0),
    0,
  );

  const rawTopic = `${app.topicPrefix}bench.raw-producer`;
  const producer = await rawProducerFor(stack, rawTopic);
  let rawSec: number;
  try {
    await producer.send({ topic: rawTopic, acks: -1, messages: records.slice(0, 100) });
    say(`ingest: baseline, raw kafkajs producer of the same ${records.length} records`);
    const started = performance.now();
    for (let i = 0; i < records.length; i += RAW_CHUNK) {
      await producer.send({ topic: rawTopic, acks: -1, messages: records.slice(i, i + RAW_CHUNK) });
    }
    rawSec = (performance.now() - started) / 1000;
  } finally {
    await producer.disconnect();
  }

  const apiRate = api.accepted / (api.ms / 1000);
  const rawRate = records.length / rawSec;
  const ratio = apiRate / rawRate;
  return {
    figure: 'ingest',
    value: round(apiRate),
    unit: 'enrollments/s',
    baseline: round(rawRate),
    baselineUnit: 'records/s',
    baselineWhat: `raw kafkajs producer, same ${records.length} encoded records, idempotent, acks=all, ${RAW_CHUNK} per send`,
    ratioWhat: 'api enrollments/s ÷ raw producer records/s',
    ...bench.ratioTarget(ratio, TARGET_RATIO),
    size,
    details: {
      accepted: api.accepted,
      apiSec: round(api.ms / 1000, 2),
      rawSec: round(rawSec, 2),
      bodyBytes: api.bodyBytes,
      avgRecordBytes: round(recordBytes / records.length, 0),
    },
  };
}

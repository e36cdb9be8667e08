// Figure "cpu": CPU milliseconds per completed enrollment, summed over the api and every worker process
// (steps and projector), from /proc/<pid>/stat over the shared pipeline run (from before the batch POST until
// the read model shows every enrollment). Baseline: what the bare libraries spend on the same work: the bench
// process's CPU per raw BullMQ no-op job × jobs per enrollment, plus its CPU per raw kafkajs send × events
// per enrollment (single-record sends of records of the events' mean size, the EventProducer's guarantees).
import * as bench from '../harness.js';
import { rawProducerFor } from '../raw-producer.js';
import { pipelineRun } from '../pipeline-run.js';
import { cpuMsPer, round } from '../stats.js';

/** Issue 15: about half of what api, worker and projector spent per enrollment before it. */
const TARGET_MOST_MS = 3;
/** Sends measured for the Kafka part of the baseline (CPU per send does not depend on how many). */
const MOST_RAW_SENDS = 10_000;
/** Sends in flight at once, like the worker's step concurrency. */
const RAW_SEND_CONCURRENCY = 128;

export async function cpuFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const run = await pipelineRun(ctx);
  const cpu = cpuMsPer(run.cpuTicks.after, run.cpuTicks.before, run.cpuTicks.hz, run.completed);
  const completed = Math.max(1, run.completed);
  const eventsPerEnrollment = run.events / completed;
  const meanEventBytes = run.eventBytes / Math.max(1, run.events);
  const sends = Math.max(1000, Math.min(MOST_RAW_SENDS, run.events));
  ctx.say(`cpu: baseline, ${sends} raw kafkajs sends of ${Math.round(meanEventBytes)} bytes`);
  const kafka = await rawKafkaSends(ctx, sends, Math.round(meanEventBytes));
  const bullmqMs = run.raw.cpuMsPerJob * run.jobsPerEnrollment;
  const kafkaMs = kafka.cpuMsPerSend * eventsPerEnrollment;
  const baseline = bullmqMs + kafkaMs;
  return {
    figure: 'cpu',
    value: round(cpu.total, 2),
    unit: 'CPU ms/enrollment (api + workers)',
    baseline: round(baseline, 2),
    baselineUnit: 'CPU ms/enrollment (raw libraries)',
    baselineWhat: `raw BullMQ no-op jobs × ${round(run.jobsPerEnrollment)} jobs per enrollment + raw kafkajs single-record sends × ${round(eventsPerEnrollment)} events per enrollment (idempotent, acks=all, ${RAW_SEND_CONCURRENCY} in flight), CPU of the bench process`,
    ratio: round(cpu.total / baseline, 3),
    ratioWhat: 'CPU ms per enrollment ÷ raw-library CPU ms for the same jobs and events',
    target: `<= ${TARGET_MOST_MS} CPU ms per enrollment`,
    pass: cpu.total <= TARGET_MOST_MS,
    size: run.size,
    details: {
      completed: run.completed,
      cpuMsPerEnrollmentByProcess: Object.fromEntries(
        Object.entries(cpu.byProcess).map(([k, v]) => [k, round(v, 2)]),
      ),
      windowSec: round(run.readModelSec, 1),
      clockTicksPerSec: run.cpuTicks.hz,
      jobsPerEnrollment: round(run.jobsPerEnrollment),
      eventsPerEnrollment: round(eventsPerEnrollment),
      meanEventBytes: Math.round(meanEventBytes),
      rawBullmqCpuMsPerJob: round(run.raw.cpuMsPerJob, 3),
      rawBullmqCpuMsPerEnrollment: round(bullmqMs, 2),
      rawKafkaSends: sends,
      rawKafkaCpuMsPerSend: round(kafka.cpuMsPerSend, 3),
      rawKafkaCpuMsPerEnrollment: round(kafkaMs, 2),
    },
  };
}

/** `count` single-record sends of `bytes`-byte values to a topic of the events topic's partitions. */
async function rawKafkaSends(
  ctx: bench.FigureContext,
  count: number,
  bytes: number,
): Promise<{ cpuMsPerSend: number }> {
  const { stack } = ctx;
  const topic = `cpu.bench.raw-sends-${stack.runId}`;
  const producer = await rawProducerFor(stack, topic);
  const value = Buffer.alloc(Math.max(1, bytes), 'x');
  const send = (i: number) =>
    producer.send({ topic, acks: -1, messages: [{ key: `raw-${i % 4096}`, value }] });
  try {
    // Warm-up: connections and metadata are not part of the figure.
    await Promise.all(Array.from({ length: 100 }, (_, i) => send(i)));
    const started = process.cpuUsage();
    let next = 0;
    const lane = async () => {
      while (next < count) await send(next++);
    };
    await Promise.all(Array.from({ length: RAW_SEND_CONCURRENCY }, lane));
    const cpu = process.cpuUsage(started);
    return { cpuMsPerSend: (cpu.user + cpu.system) / 1000 / count };
  } finally {
    await producer.disconnect();
  }
}

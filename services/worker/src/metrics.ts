import { QUEUES } from '@verified-onboard/contracts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  jobsProcessed: Counter<'step' | 'outcome'>;
  stepDuration: Histogram<'step'>;
  upstreamCalls: Counter<'endpoint' | 'outcome'>;
  upstreamDuration: Histogram<'endpoint'>;
  rateLimitWaits: Counter;
  pollsPerEnrollment: Histogram;
  enrollmentDuration: Histogram<'mode' | 'status'>;
  eventsConsumed: Counter<'consumer' | 'type' | 'result'>;
}

/**
 * One registry per worker app (not prom-client's global one), so several apps in one test process do not
 * collide. `jobCounts` feeds the queue gauge at scrape time (counts live in Redis, not in this process).
 */
export function createMetrics(
  jobCounts: () => Promise<Record<string, number>>,
  parkedOverdueMs?: () => Promise<number>,
): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (parkedOverdueMs) {
    new Gauge({
      name: 'worker_parked_polls_overdue_seconds',
      help: 'How long the most overdue parked poll has been due (0 when none is): grows when no process dispatches polls.',
      registers: [registry],
      async collect() {
        this.set((await parkedOverdueMs()) / 1000);
      },
    });
  }
  new Gauge({
    name: 'worker_jobs',
    help: 'Jobs in the steps queue by state (shared by every worker process).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await jobCounts();
      for (const [state, n] of Object.entries(counts)) this.set({ queue: QUEUES.steps, state }, n);
    },
  });
  return {
    registry,
    jobsProcessed: new Counter({
      name: 'worker_jobs_processed_total',
      help: 'Step jobs handled by this process, by step and outcome (completed, failed, retry, parked, already_finished, awaiting_projection, rate_limited, emit_failed).',
      labelNames: ['step', 'outcome'],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'worker_step_duration_seconds',
      help: 'Time to run one step job to its outcome.',
      labelNames: ['step'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamCalls: new Counter({
      name: 'verified_upstream_calls_total',
      help: 'Calls to the Verified API by endpoint and outcome (ok or the error code).',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'verified_upstream_call_duration_seconds',
      help: 'Latency of calls to the Verified API.',
      labelNames: ['endpoint'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimitWaits: new Counter({
      name: 'verified_rate_limit_waits_total',
      help: 'Times an upstream call waited for the global rate limit or a fleet-wide pause.',
      registers: [registry],
    }),
    pollsPerEnrollment: new Histogram({
      name: 'enrollment_polls',
      help: 'Status polls an enrollment needed until its capture reached a final status.',
      buckets: [1, 2, 3, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    enrollmentDuration: new Histogram({
      name: 'enrollment_duration_seconds',
      help: 'End to end, from requestedAt to the terminal event, by mode and terminal status.',
      labelNames: ['mode', 'status'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'worker_events_consumed_total',
      help: 'Kafka events handled by the pipeline consumer and the projector (pipeline result already_ran: a requested or retried event that had already run, skipped).',
      labelNames: ['consumer', 'type', 'result'],
      registers: [registry],
    }),
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** `/metrics` (Prometheus text) and `/healthz` (200 while running, 503 once shutdown began). */
export async function startMetricsServer(
  metrics: WorkerMetrics,
  options: { port: number; host: string; healthy: () => boolean },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        })
        .catch((error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics collection failed: ${error.message}`);
        });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = options.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'shutting_down' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests can build several apps in one process. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'api_http_requests_total',
    help: 'HTTP requests by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly enrollmentsAccepted = new Counter({
    name: 'api_enrollments_accepted_total',
    help: 'Enrollments acknowledged by Kafka, by mode and source (single or batch).',
    labelNames: ['mode', 'source'] as const,
    registers: [this.registry],
  });
  readonly batchLines = new Counter({
    name: 'api_batch_lines_total',
    help: 'Batch lines by outcome (accepted or rejected).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly publishLatency = new Histogram({
    name: 'api_publish_latency_seconds',
    help: 'Time from publish call to Kafka acknowledgement, by topic kind and outcome.',
    labelNames: ['topic', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'api_' });
  }
}

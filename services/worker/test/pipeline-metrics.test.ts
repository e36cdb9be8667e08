import { describe, expect, it } from 'vitest';
import { usePipeline } from './support/pipeline.js';

// The worker pipeline against the emulator: what its metrics endpoint counts, and its health.

describe('worker pipeline: metrics and health', () => {
  const p = usePipeline('worker-pipeline-metrics');

  it('serves metrics and health', async () => {
    // What the metrics below count: a completed capture and an account step that failed upstream.
    await p.scenario();
    await p.completedCapture();
    await p.failedAtAccount();
    await p.scenario();
    const { metricsPort } = p.worker();
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/verified_upstream_calls_total\{endpoint="beginBiometry",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(
      /verified_upstream_calls_total\{endpoint="createAccount",outcome="upstream_unavailable"\} [1-9]/,
    );
    expect(metrics).toMatch(/worker_jobs\{queue="steps",state="completed"\} [1-9]/);
    expect(metrics).toMatch(/worker_jobs\{queue="steps",state="parked"\} \d+/);
    expect(metrics).toMatch(/worker_parked_polls_overdue_seconds \d/);
    expect(metrics).toMatch(/enrollment_polls_count [1-9]/);
    expect(metrics).toMatch(/enrollment_duration_seconds_count\{mode="capture",status="completed"\} [1-9]/);
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).toBe(200);
  });
});

// Figure "upstream_calls": Verified API calls per completed enrollment (token and webhook-registration calls
// included), counted by the emulator itself, when users finish after 30 s. Measured twice in the same run: with
// every webhook delivered (the figure) and with every webhook dropped (the baseline: polling alone).
import { waitFor } from '@verified-onboard/devstack';
import * as bench from '../harness.js';
import { delta, round, sum } from '../stats.js';

const TARGET_CALLS = 5;
const USER_AFTER_MS = 30_000;

interface Variant {
  completed: number;
  byStatus: Record<string, number>;
  calls: Record<string, number>;
  perEnrollment: number;
  wallSec: number;
  webhooks: { sent: number; dropped: number; failed: number };
}

async function runVariant(
  ctx: bench.FigureContext,
  name: string,
  size: number,
  dropRate: number,
): Promise<Variant> {
  const { stack, say } = ctx;
  await bench.figureScenario(ctx, { outcome: 'accept', afterMs: USER_AFTER_MS }, dropRate);
  // Counted from before the worker starts, so its token and webhook registration calls are included.
  const before = await stack.emulatorStats();
  const app = await bench.figureApp(ctx, `upstream-${name}`);
  try {
    say(`upstream_calls (${name}): ${size} enrollments, users finish after ${USER_AFTER_MS / 1000} s`);
    const started = performance.now();
    const submitted = await bench.submitBatch(
      app,
      bench.ndjsonBatch(`up-${name}-${stack.runId}`, size, { timeoutSec: 600 }),
      `upstream-${name}-${stack.runId}`,
    );
    const final = await waitFor(
      `every ${name} enrollment terminal`,
      async () => {
        const status = await app.batchStatus(submitted.batchId);
        const by = status.byStatus;
        const pending =
          (by.requested ?? 0) + (by.capture_pending ?? 0) + (by.captured ?? 0) + (by.account_created ?? 0);
        return pending === 0 && status.total >= size ? status : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 500 },
    );
    const wallSec = (performance.now() - started) / 1000;
    const after = await stack.emulatorStats();
    const calls = delta(after.calls, before.calls);
    const completed = final.byStatus.completed ?? 0;
    return {
      completed,
      byStatus: final.byStatus,
      calls,
      perEnrollment: sum(calls) / Math.max(1, completed),
      wallSec,
      webhooks: {
        sent: after.webhooks.sent - before.webhooks.sent,
        dropped: after.webhooks.dropped - before.webhooks.dropped,
        failed: after.webhooks.failed - before.webhooks.failed,
      },
    };
  } finally {
    await app.stop();
  }
}

export async function upstreamCallsFigure(ctx: bench.FigureContext): Promise<bench.FigureMeasurement> {
  const size = bench.scaled(ctx, 300, 20);
  const withWebhooks = await runVariant(ctx, 'webhooks', size, 0);
  const pollingOnly = await runVariant(ctx, 'no-webhooks', size, 1);
  const perEnrollment = (v: Variant) =>
    Object.fromEntries(Object.entries(v.calls).map(([k, n]) => [k, round(n / Math.max(1, v.completed), 3)]));
  return {
    figure: 'upstream_calls',
    value: round(withWebhooks.perEnrollment),
    unit: 'calls/enrollment',
    baseline: round(pollingOnly.perEnrollment),
    baselineUnit: 'calls/enrollment',
    baselineWhat: 'same run with every webhook dropped (polling alone)',
    ratio: round(withWebhooks.perEnrollment / pollingOnly.perEnrollment, 3),
    ratioWhat: 'with webhooks ÷ without',
    target: `with webhooks <= ${TARGET_CALLS} calls per enrollment`,
    pass: withWebhooks.perEnrollment <= TARGET_CALLS,
    size,
    details: {
      userAfterSec: USER_AFTER_MS / 1000,
      withWebhooks: {
        ...withWebhooks,
        calls: undefined,
        callsPerEnrollment: perEnrollment(withWebhooks),
        wallSec: round(withWebhooks.wallSec, 1),
        perEnrollment: round(withWebhooks.perEnrollment, 3),
      },
      withoutWebhooks: {
        ...pollingOnly,
        calls: undefined,
        callsPerEnrollment: perEnrollment(pollingOnly),
        wallSec: round(pollingOnly.wallSec, 1),
        perEnrollment: round(pollingOnly.perEnrollment, 3),
      },
    },
  };
}

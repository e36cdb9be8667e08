// The short fault soak that runs in `npm test`: the same run as `npm run soak` (its own stack and Kafka
// broker, faults on every endpoint, a worker SIGKILL, a broker restart), at 150 enrollments.
import { describe, expect, it } from 'vitest';
import { EMULATOR_ENDPOINTS } from '../src/scenario.js';
import { runSoak } from '../src/soak.js';
import { CHECK_NAMES } from '../src/soak-checks.js';

describe('the fault soak (short)', () => {
  it('150 enrollments under faults, one worker SIGKILL and one Kafka restart: every check passes', async () => {
    const log: string[] = [];
    const report = await runSoak({
      size: 150,
      workerKills: 1,
      kafkaRestarts: 1,
      deadlineMs: 240_000,
      log: (line) => log.push(line),
    });
    const failed = report.checks.filter((c) => !c.pass);
    expect(
      failed,
      `${failed.map((c) => `${c.name}: ${c.detail}`).join('\n')}\n--- run log\n${log.join('\n')}`,
    ).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual(Object.values(CHECK_NAMES));
    expect(report.accepted).toBe(150);
    expect(report.chaos.map((c) => c.kind)).toEqual(['worker-kill', 'kafka-restart']);
    // The faults were really there: the emulator dropped webhooks and the run still made every enrollment terminal.
    expect(report.emulator.faultedEndpoints).toBe(EMULATOR_ENDPOINTS.length);
    expect(report.emulator.webhooks.dropped).toBeGreaterThan(0);
    expect(report.pass).toBe(true);
  }, 420_000);
});

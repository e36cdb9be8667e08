// Named emulator scenarios for the demo, the benchmark and the soak (PUT /_emulator/scenario bodies).
import { ENDPOINT_NAMES } from '@verified-onboard/verified-emulator';

function everyEndpoint(fault: Record<string, number | boolean> | null) {
  return Object.fromEntries(ENDPOINT_NAMES.map((e) => [e, fault]));
}

export const scenarios = {
  realistic: {
    description:
      'most people accept after 2-8 s, some reject or fail, some never finish (expire after 60 s); 20% of webhooks dropped',
    emulator: {
      user: {
        afterMs: { min: 2000, max: 8000 },
        mix: [
          { outcome: 'accept', weight: 86 },
          { outcome: 'reject', weight: 5 },
          { outcome: 'error', weight: 2 },
          { outcome: 'cancel', weight: 2 },
          { outcome: 'never', weight: 5 },
        ],
      },
      latencyMs: { min: 5, max: 40 },
      webhook: { enabled: true, dropRate: 0.2 },
      // The scenario is a partial merge: clear faults a previous run may have left.
      faults: everyEndpoint(null),
    },
  },
  happy: {
    description: 'everyone accepts at once, webhooks delivered',
    emulator: {
      user: { outcome: 'accept', afterMs: 0, mix: null },
      latencyMs: { min: 0, max: 0 },
      webhook: { enabled: true, dropRate: 0 },
      faults: everyEndpoint(null),
    },
  },
  faulty: {
    description:
      'realistic users plus faults on every endpoint (10% 5xx, 5% 429, 2% timeouts) and 30% of webhooks dropped',
    emulator: {
      user: {
        afterMs: { min: 1000, max: 5000 },
        mix: [
          { outcome: 'accept', weight: 90 },
          { outcome: 'reject', weight: 10 },
        ],
      },
      latencyMs: { min: 2, max: 20 },
      webhook: { enabled: true, dropRate: 0.3 },
      faults: everyEndpoint({ rate5xx: 0.1, rate429: 0.05, retryAfterSec: 1, rateTimeout: 0.02 }),
    },
  },
} as const;

export type ScenarioName = keyof typeof scenarios;
export { everyEndpoint };

import { z } from 'zod';
import { ENDPOINT_NAMES } from './paths.js';

/**
 * Scenario: how the simulated users, the network and the upstream behave. Changed at run time with
 * PUT /_emulator/scenario (a partial deep merge) and reset to the configured baseline by POST /_emulator/reset.
 */
export const USER_OUTCOMES = ['accept', 'reject', 'expire', 'error', 'cancel', 'never'] as const;
export type UserOutcome = (typeof USER_OUTCOMES)[number];

const probability = z.number().min(0).max(1);
const nonNegativeMs = z.number().finite().min(0);
const rangeSchema = z
  .object({ min: nonNegativeMs, max: nonNegativeMs })
  .refine((r) => r.max >= r.min, { message: 'max must be >= min' });

const faultFields = {
  rate5xx: probability,
  rate429: probability,
  retryAfterSec: z.number().int().min(0),
  rateTimeout: probability,
  /** Apply the endpoint's effect, then fail: lets callers test that their retries are idempotent. */
  afterEffect: z.boolean(),
};
export const faultSchema = z.object(faultFields);
export type FaultConfig = z.infer<typeof faultSchema>;
// No defaults in the patch: a default would overwrite a field the patch did not mention.
const faultPatchSchema = z.object(faultFields).partial();
const DEFAULT_FAULT: FaultConfig = {
  rate5xx: 0,
  rate429: 0,
  retryAfterSec: 1,
  rateTimeout: 0,
  afterEffect: false,
};

const mixEntrySchema = z.object({ outcome: z.enum(USER_OUTCOMES), weight: z.number().min(0) });

export interface Scenario {
  user: {
    outcome: UserOutcome;
    afterMs: number | { min: number; max: number };
    mix?: Array<{ outcome: UserOutcome; weight: number }>;
  };
  latencyMs: { min: number; max: number };
  faults: Partial<Record<(typeof ENDPOINT_NAMES)[number], FaultConfig>>;
  webhook: { enabled: boolean; dropRate: number };
  tokenTtlSec: number;
}

/** The patch accepted by PUT /_emulator/scenario. `mix: null` removes the mix; `faults.<name>: null` clears a fault. */
export const scenarioPatchSchema = z.object({
  user: z
    .object({
      outcome: z.enum(USER_OUTCOMES).optional(),
      afterMs: z.union([nonNegativeMs, rangeSchema]).optional(),
      mix: z
        .array(mixEntrySchema)
        .min(1)
        .refine((m) => m.some((e) => e.weight > 0), { message: 'mix needs a positive weight' })
        .nullable()
        .optional(),
    })
    .optional(),
  latencyMs: rangeSchema.optional(),
  faults: z.partialRecord(z.enum(ENDPOINT_NAMES), faultPatchSchema.nullable()).optional(),
  webhook: z.object({ enabled: z.boolean().optional(), dropRate: probability.optional() }).optional(),
  tokenTtlSec: z.number().int().positive().optional(),
});
export type ScenarioPatch = z.input<typeof scenarioPatchSchema>;

export const DEFAULT_SCENARIO: Scenario = {
  user: { outcome: 'accept', afterMs: 0 },
  latencyMs: { min: 0, max: 0 },
  faults: {},
  webhook: { enabled: true, dropRate: 0 },
  // docs/verified-api.md §9 #9: access tokens live about 15 minutes upstream.
  tokenTtlSec: 900,
};

export function cloneScenario(s: Scenario): Scenario {
  return structuredClone(s);
}

/** Applies a validated patch onto a copy of `base`; throws a ZodError for an invalid patch. */
export function mergeScenario(base: Scenario, rawPatch: unknown): Scenario {
  const patch = scenarioPatchSchema.parse(rawPatch ?? {});
  const next = cloneScenario(base);
  if (patch.user) {
    if (patch.user.outcome !== undefined) next.user.outcome = patch.user.outcome;
    if (patch.user.afterMs !== undefined) next.user.afterMs = patch.user.afterMs;
    if (patch.user.mix === null) delete next.user.mix;
    else if (patch.user.mix !== undefined) next.user.mix = patch.user.mix;
  }
  if (patch.latencyMs) next.latencyMs = patch.latencyMs;
  if (patch.faults) {
    for (const [name, fault] of Object.entries(patch.faults) as Array<
      [keyof Scenario['faults'], Partial<FaultConfig> | null]
    >) {
      if (fault === null) delete next.faults[name];
      else next.faults[name] = { ...DEFAULT_FAULT, ...next.faults[name], ...stripUndefined(fault) };
    }
  }
  if (patch.webhook) next.webhook = { ...next.webhook, ...stripUndefined(patch.webhook) };
  if (patch.tokenTtlSec !== undefined) next.tokenTtlSec = patch.tokenTtlSec;
  return next;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function pickInRange(
  range: number | { min: number; max: number },
  random: () => number = Math.random,
): number {
  if (typeof range === 'number') return range;
  return range.min + (range.max - range.min) * random();
}

/** The outcome for a new operation: weighted pick from `mix` when present, else the fixed outcome. */
export function pickOutcome(user: Scenario['user'], random: () => number = Math.random): UserOutcome {
  const mix = user.mix;
  if (!mix || mix.length === 0) return user.outcome;
  const total = mix.reduce((sum, e) => sum + e.weight, 0);
  let r = random() * total;
  for (const entry of mix) {
    if (entry.weight <= 0) continue;
    if (r < entry.weight) return entry.outcome;
    r -= entry.weight;
  }
  // Floating point rounding can leave r marginally >= 0 after the loop: take the last weighted entry.
  return [...mix].reverse().find((e) => e.weight > 0)?.outcome ?? user.outcome;
}

import type { EnrollmentEvent, StepObservation } from '@verified-onboard/events';
import type { EventProducer } from '@verified-onboard/adapters';
import pino from 'pino';
import { requestedData } from '@verified-onboard/testkit';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AccountConflictError } from '../src/errors.js';
import { createMetrics } from '../src/metrics.js';
import type { HintBook } from '../src/pipeline/hint-book.js';
import { stepJobData, type Step, type StepJobData } from '../src/pipeline/job-data.js';
import type { OutcomeLog, StepOutcome } from '../src/pipeline/outcomes.js';
import type { ParkedPolls } from '../src/pipeline/parked-polls.js';
import type { SecretStore } from '../src/pipeline/secrets.js';
import type { StepContext, StepJob, StepProcessor } from '../src/pipeline/step-contract.js';
import { StepRunner } from '../src/pipeline/step-runner.js';
import type { StepsQueue } from '../src/queues/steps-queue.js';
import type { RedisRateLimiter } from '../src/stores/rate-limiter.js';

// The runner stamps what a step observed and schedules what comes next, both as the domain core says: a
// processor only reports an observation (or throws), it never names the next step.

type Mode = StepJobData['mode'];

function job(step: Step, mode: Mode, position: { generation?: number; nextSequence: number }): StepJob {
  const data = stepJobData(requestedData('e-1', { mode, requestedAt: '2030-01-01T00:00:00.000Z' }), {
    enrollmentId: 'e-1',
    generation: position.generation ?? 0,
    nextSequence: position.nextSequence,
    correlationId: 'corr-1',
    causationId: 'cause-1',
    admission: position.nextSequence === 2 ? 'new' : 'continuing',
  });
  return {
    id: `e-1.${step}.${data.generation}`,
    name: step,
    data,
    attemptsMade: 0,
    opts: { attempts: 1 },
  } as unknown as StepJob;
}

/** Runs `step` once, its processor observing `observation` (or throwing it), and records what followed. */
async function run(
  j: StepJob,
  observation: StepObservation | Error,
  options: { webhooksActive?: boolean } = {},
) {
  const published: EnrollmentEvent[] = [];
  const enqueued: { step: Step; data: StepJobData }[] = [];
  const parked: { data: StepJobData; dueAt: number }[] = [];
  const processor: StepProcessor = () =>
    observation instanceof Error
      ? Promise.reject(observation)
      : Promise.resolve({ kind: 'observed', observation });
  const fail: StepProcessor = () => Promise.reject(new Error('not this step'));
  const config = loadConfig({ ALLOW_DEV_DEFAULTS: '1' });
  const runner = new StepRunner({
    config,
    processors: { begin: fail, poll: fail, account: fail, credential: fail, [j.name]: processor },
    context: { config, webhooks: { active: options.webhooksActive ?? false } } as StepContext,
    queue: {
      enqueue: (step: Step, data: StepJobData) => Promise.resolve(void enqueued.push({ step, data })),
    } as unknown as StepsQueue,
    outcomes: {
      lookup: () => Promise.resolve({ kind: 'none' }),
      record: (_: string, outcome: StepOutcome) => Promise.resolve(outcome),
      finish: () => Promise.resolve(),
    } as unknown as OutcomeLog,
    producer: {
      publish: (_: string, events: EnrollmentEvent[]) => Promise.resolve(void published.push(...events)),
    } as unknown as EventProducer,
    hints: { onPollParked: () => Promise.resolve() } as unknown as HintBook,
    parked: {
      park: (data: StepJobData, dueAt: number) => Promise.resolve(void parked.push({ data, dueAt })),
      release: () => Promise.resolve(),
    } as unknown as ParkedPolls,
    secrets: { forget: () => Promise.resolve() } as unknown as SecretStore,
    limiter: {} as RedisRateLimiter,
    metrics: createMetrics(() => Promise.resolve({})),
    logger: pino({ level: 'silent' }),
  });
  const startedAt = Date.now();
  const error = await runner.process(j, undefined).then(
    () => null,
    (e: unknown) => e,
  );
  return { published, enqueued, parked, error, startedAt, endedAt: Date.now() };
}

const accepted: StepObservation = {
  type: 'CaptureObserved',
  operationId: 'op-1',
  upstreamStatus: 1,
  message: null,
  tempIdExpiresAt: '2030-01-04T00:00:00.000Z',
};

describe('the step runner asks the domain core what comes next', () => {
  it('an accepted capture goes on to the account in capture mode and to the credential in recapture', async () => {
    const capture = await run(job('poll', 'capture', { nextSequence: 3 }), accepted);
    expect(capture.published.map((e) => [e.type, e.sequence])).toEqual([
      ['enrollment.capture_completed.v1', 3],
    ]);
    expect(capture.enqueued).toMatchObject([
      { step: 'account', data: { nextSequence: 4, generation: 0, admission: 'continuing' } },
    ]);
    const recapture = await run(job('poll', 'recapture', { nextSequence: 3 }), accepted);
    expect(recapture.enqueued).toMatchObject([{ step: 'credential', data: { nextSequence: 4 } }]);
  });

  it("after a retry the next job keeps the retry's generation and follows the stream", async () => {
    const { enqueued, published } = await run(job('account', 'capture', { generation: 7, nextSequence: 8 }), {
      type: 'AccountConfirmed',
      accountNumber: 'acct-1',
      alreadyExisted: false,
    });
    expect(published.map((e) => e.sequence)).toEqual([8]);
    expect(enqueued).toMatchObject([{ step: 'credential', data: { generation: 7, nextSequence: 9 } }]);
  });

  it('an import goes from its account straight to the credential', async () => {
    const { enqueued } = await run(job('account', 'import', { nextSequence: 2 }), {
      type: 'AccountConfirmed',
      accountNumber: 'acct-1',
      alreadyExisted: false,
    });
    expect(enqueued).toMatchObject([{ step: 'credential', data: { nextSequence: 3 } }]);
  });

  it('a started capture parks the first poll: after 5 s, or after the 60-s backup interval with webhooks', async () => {
    const started: StepObservation = {
      type: 'CaptureStarted',
      operationId: 'op-1',
      operationExpiresAt: '2030-01-01T00:01:00.000Z',
      transport: 'inline',
    };
    for (const [webhooksActive, delayMs] of [
      [false, 5_000],
      [true, 60_000],
    ] as const) {
      const { parked, enqueued, startedAt, endedAt } = await run(
        job('begin', 'capture', { nextSequence: 2 }),
        started,
        { webhooksActive },
      );
      expect(enqueued).toEqual([]);
      expect(parked).toHaveLength(1);
      expect(parked[0]?.data).toMatchObject({ nextSequence: 3, admission: 'continuing' });
      // Due `delayMs` after the moment it was parked, which lies within the run.
      expect(parked[0]?.dueAt).toBeGreaterThanOrEqual(startedAt + delayMs);
      expect(parked[0]?.dueAt).toBeLessThanOrEqual(endedAt + delayMs);
    }
  });

  it('the credential settles the enrollment: completed is recorded after it and nothing comes next', async () => {
    const { published, enqueued, parked } = await run(job('credential', 'capture', { nextSequence: 5 }), {
      type: 'CredentialAttached',
      accountNumber: 'acct-1',
      kind: 'proofed',
      replacedPrevious: false,
    });
    expect(published.map((e) => [e.type, e.sequence])).toEqual([
      ['enrollment.credential_attached.v1', 5],
      ['enrollment.completed.v1', 6],
    ]);
    expect(enqueued).toEqual([]);
    expect(parked).toEqual([]);
  });

  it('a step that fails for good records the failed event at its position and schedules nothing', async () => {
    const { published, enqueued, error } = await run(
      job('account', 'capture', { nextSequence: 4 }),
      new AccountConflictError('account acct-1 already exists'),
    );
    expect(published).toMatchObject([
      {
        type: 'enrollment.failed.v1',
        sequence: 4,
        data: { step: 'account', code: 'account_conflict', retryable: false, attempts: 1 },
      },
    ]);
    expect(enqueued).toEqual([]);
    expect(error).toMatchObject({ name: 'UnrecoverableError' });
  });
});

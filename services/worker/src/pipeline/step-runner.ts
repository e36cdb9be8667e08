import {
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  observed,
  STEPS,
  workAfter,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type StepObservation,
} from '@verified-onboard/events';
import { type EventProducer } from '@verified-onboard/adapters';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config.js';
import type { WorkerMetrics } from '../metrics.js';
import type { StepsQueue } from '../queues/steps-queue.js';
import type { RedisRateLimiter } from '../stores/rate-limiter.js';
import { retryDelayMs } from './backoff.js';
import { MissingContextError, RequestNotProjectedError } from '../errors.js';
import { describeError } from './error-classification.js';
import { effectiveSchedule } from './poll-schedule.js';
import type { HintBook } from './hint-book.js';
import type { ParkedPolls } from './parked-polls.js';
import type { Step, StepJobData } from './job-data.js';
import type { QueuedJob, OutcomeLog, StepOutcome } from './outcomes.js';
import type { SecretStore } from './secrets.js';
import type { StepContext, StepJob, StepProcessor, StepResult } from './step-contract.js';

export interface StepRunnerDeps {
  config: WorkerConfig;
  processors: Record<Step, StepProcessor>;
  context: StepContext;
  queue: StepsQueue;
  outcomes: OutcomeLog;
  producer: EventProducer;
  hints: HintBook;
  parked: ParkedPolls;
  secrets: SecretStore;
  limiter: RedisRateLimiter;
  metrics: WorkerMetrics;
  logger: Logger;
}

/**
 * Runs one job of any step: replays a recorded outcome or runs the step's processor, records the
 * outcome, publishes its events (awaiting the broker's ack) and only then enqueues the next job.
 * Failure policy lives here so that every step follows it the same way.
 */
export class StepRunner {
  constructor(private readonly deps: StepRunnerDeps) {}

  async process(job: StepJob, token: string | undefined): Promise<void> {
    const { logger, outcomes, metrics } = this.deps;
    const step = job.name;
    const jobId = job.id;
    // BullMQ gives every job it runs an id; the outcome log and the parked polls are keyed by it.
    if (jobId === undefined) throw new MissingContextError(`a ${step} job without an id`);
    const log = logger.child({
      enrollmentId: job.data.enrollmentId,
      correlationId: job.data.correlationId,
      step,
      jobId,
      attempt: job.attemptsMade + 1,
    });
    const startedAt = Date.now();
    const recorded = await outcomes.lookup(job.data.enrollmentId, jobId);
    if (recorded.kind === 'finished') {
      // Everything this job does happened before (events acknowledged, next job enqueued): do nothing again.
      if (step === STEPS.poll) await this.deps.parked.release(jobId);
      metrics.jobsProcessed.inc({ step, outcome: 'already_finished' });
      log.info({ failed: recorded.failed }, 'job finished before; nothing to repeat');
      if (recorded.failed)
        throw new UnrecoverableError('the step failed before (enrollment.failed was emitted)');
      return;
    }
    let outcome = recorded.kind === 'decided' ? recorded.outcome : null;
    const replay = outcome !== null;
    if (!outcome) {
      let result: StepResult | null = null;
      try {
        result = await this.deps.processors[step](job, this.deps.context);
      } catch (error) {
        outcome = await this.onError(job, jobId, error, token, log);
      }
      if (result?.kind === 'pending') {
        await this.parkPoll({ ...job.data, poll: result.poll }, result.recheckInMs);
        metrics.jobsProcessed.inc({ step, outcome: 'parked' });
        log.debug(
          { delayMs: result.recheckInMs, polls: result.poll.count },
          'operation pending, polling again later',
        );
        return;
      }
      if (result) {
        if (step === STEPS.poll) metrics.pollsPerEnrollment.observe((job.data.poll?.count ?? 0) + 1);
        outcome = await outcomes.record(jobId, this.toOutcome(job, result.observation));
      }
    }
    if (!outcome)
      throw new MissingContextError(`the ${step} job ${jobId} has neither a result nor a failure`);
    await this.publish(job, outcome, token, log);
    if (outcome.next) await this.enqueueNext(outcome.next);
    if (this.observeTerminal(job, outcome.events)) await this.deps.secrets.forget(job.data.enrollmentId);
    await outcomes.finish(job.data.enrollmentId, jobId, outcome.failed !== undefined);
    if (step === STEPS.poll) await this.deps.parked.release(jobId);
    metrics.stepDuration.observe({ step }, (Date.now() - startedAt) / 1000);
    if (outcome.failed) {
      metrics.jobsProcessed.inc({ step, outcome: 'failed' });
      log.warn({ code: outcome.failed.code, replay }, 'step failed; enrollment.failed emitted');
      throw new UnrecoverableError(`${outcome.failed.code}: ${outcome.failed.message}`);
    }
    metrics.jobsProcessed.inc({ step, outcome: 'completed' });
    log.info(
      { events: outcome.events.map((e) => e.type), next: outcome.next?.step ?? null, replay },
      'step done',
    );
  }

  /**
   * Returns the `failed` outcome when the enrollment must fail now (permanent error, or the last
   * attempt); otherwise throws for BullMQ to retry (backoff) or to park the job during a fleet pause.
   */
  private async onError(
    job: StepJob,
    jobId: string,
    error: unknown,
    token: string | undefined,
    log: Logger,
  ): Promise<StepOutcome> {
    const { metrics, limiter, queue } = this.deps;
    const step = job.name;
    const info = describeError(error);
    if (info.rateLimited) {
      // The upstream asked everyone to slow down: pause the whole fleet, not just this job.
      const ms = info.retryAfterMs ?? 1000;
      await limiter.pauseFor(ms);
      await queue.rateLimit(ms);
      metrics.jobsProcessed.inc({ step, outcome: 'rate_limited' });
      log.warn({ retryAfterMs: ms }, 'upstream rate limit: pausing the worker fleet');
      throw Worker.RateLimitError();
    }
    if (error instanceof RequestNotProjectedError) {
      // The projector trails by a moment: wait for it without using up an attempt.
      const delay = retryDelayMs(1, undefined, this.deps.config.backoff);
      metrics.jobsProcessed.inc({ step, outcome: 'awaiting_projection' });
      log.debug({ delayMs: delay }, 'request not in the read model yet; parking the job');
      return this.delayWithoutAttempt(job, token, delay);
    }
    const attempts = job.attemptsMade + 1;
    const exhausted = attempts >= (job.opts.attempts ?? 1);
    if (info.retryable && !exhausted) {
      metrics.jobsProcessed.inc({ step, outcome: 'retry' });
      log.warn({ err: info, attempts }, 'step failed, will retry');
      throw error;
    }
    const outcome = this.toOutcome(job, {
      type: 'StepFailed',
      step,
      code: info.code,
      message: info.message,
      retryable: info.retryable,
      attempts,
    });
    outcome.failed = { code: info.code, message: info.message };
    return this.deps.outcomes.record(jobId, outcome);
  }

  /**
   * The events the domain core records for what the step observed, stamped at the job's stream position, and
   * the job the core says comes after them.
   */
  private toOutcome(job: StepJob, observation: StepObservation): StepOutcome {
    const data = job.data;
    const pending = observed(observation);
    const events: EnrollmentEvent[] = [];
    let causation = data.causationId;
    const time = new Date();
    pending.forEach((p, i) => {
      const event = createEvent<EnrollmentEventType>({
        type: p.type,
        data: p.data,
        subject: data.enrollmentId,
        sequence: data.nextSequence + i,
        source: EVENT_SOURCES.worker,
        correlationId: data.correlationId,
        causationId: causation,
        discriminator: data.generation,
        time,
        includeCaptureUrl: this.deps.config.eventsIncludeCaptureUrl,
      });
      events.push(event);
      causation = event.id;
    });
    const work = workAfter(data.mode, data, pending);
    if (work === null) return { events, next: null };
    const next: QueuedJob = {
      step: work.step,
      data: {
        enrollmentId: data.enrollmentId,
        generation: work.generation,
        nextSequence: work.nextSequence,
        correlationId: data.correlationId,
        causationId: causation,
        admission: work.admission,
        mode: data.mode,
        priority: data.priority,
        requestedAt: data.requestedAt,
      } satisfies StepJobData,
    };
    // A poll is parked until its first look, later when webhooks will tell us sooner.
    if (work.step === STEPS.poll)
      next.delayMs = effectiveSchedule(
        this.deps.config.poll,
        this.deps.context.webhooks.active,
      ).initialIntervalMs;
    return { events, next };
  }

  private async publish(
    job: StepJob,
    outcome: StepOutcome,
    token: string | undefined,
    log: Logger,
  ): Promise<void> {
    if (outcome.events.length === 0) return;
    try {
      await this.deps.producer.publish('enrollmentEvents', outcome.events);
    } catch (error) {
      // Kafka is the source of truth: without its ack nothing moves on. The outcome is recorded, so the
      // re-run only publishes again; parking the job (instead of a failed attempt) means a long broker
      // outage cannot exhaust the attempts of work that already succeeded upstream.
      const delay = retryDelayMs(job.attemptsMade + 1, undefined, this.deps.config.backoff);
      this.deps.metrics.jobsProcessed.inc({ step: job.name, outcome: 'emit_failed' });
      log.warn(
        { err: { message: (error as Error).message }, delayMs: delay },
        'publish failed; parking the job',
      );
      await this.delayWithoutAttempt(job, token, delay);
    }
  }

  /** Runs the same job again after `delayMs` without counting an attempt (BullMQ's moveToDelayed + DelayedError). */
  private async delayWithoutAttempt(
    job: StepJob,
    token: string | undefined,
    delayMs: number,
  ): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  private async enqueueNext(next: NonNullable<StepOutcome['next']>): Promise<void> {
    if (next.step === STEPS.poll && next.delayMs) return this.parkPoll(next.data, next.delayMs);
    await this.deps.queue.enqueue(next.step, next.data, { delayMs: next.delayMs });
  }

  private async parkPoll(data: StepJobData, delayMs: number): Promise<void> {
    await this.deps.parked.park(data, Date.now() + delayMs);
    await this.deps.hints.onPollParked(data.enrollmentId);
  }

  /**
   * Records the duration of enrollments that ended; true when one did and its TempId and capture URL have no
   * use left: completed, rejected, expired, errored, canceled, and failed unless retryable (an ops retry of
   * the credential step needs the TempId, and the secrets' own TTLs bound how long that lasts).
   */
  private observeTerminal(job: StepJob, events: EnrollmentEvent[]): boolean {
    let secretsUseless = false;
    for (const event of events) {
      let status: string | null = null;
      if (event.type === EVENT_TYPES.completed) status = 'completed';
      else if (event.type === EVENT_TYPES.failed) status = 'failed';
      else if (event.type === EVENT_TYPES.captureCompleted && event.data.upstreamStatus !== 1) {
        status =
          ['', '', 'rejected', 'expired', 'errored', 'canceled'][event.data.upstreamStatus] ?? 'unknown';
      }
      if (!status) continue;
      if (event.type !== EVENT_TYPES.failed || !event.data.retryable) secretsUseless = true;
      const requestedAt = Date.parse(job.data.requestedAt);
      if (Number.isFinite(requestedAt)) {
        this.deps.metrics.enrollmentDuration.observe(
          { mode: job.data.mode, status },
          Math.max(0, Date.now() - requestedAt) / 1000,
        );
      }
    }
    return secretsUseless;
  }
}

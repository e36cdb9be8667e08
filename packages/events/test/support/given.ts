import { expect } from 'vitest';
import {
  apply,
  createEvent,
  EVENT_TYPES,
  fold,
  InvalidTransitionError,
  nextStep,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type EnrollmentState,
  type EventData,
  type RequestedData,
  type Step,
} from '../../src/index.js';
import { SOURCE } from './builders.js';

// The vocabulary of the specification (given events, when a command, then events or a rejection). Until the
// domain core exists it is answered by today's rules: the shells' outputs checked by `apply`, `nextStep`.

export type PendingEvent = {
  [K in EnrollmentEventType]: { type: K; data: EventData<K> };
}[EnrollmentEventType];

export const POLL_DEADLINE_MESSAGE =
  'no final status from the upstream before the operation timeout (polling stopped)';

export type Command =
  | { type: 'Request'; request: RequestedData }
  | { type: 'CaptureStarted'; operationId: string; operationExpiresAt: string; transport: 'inline' }
  | {
      type: 'CaptureObserved';
      operationId: string;
      upstreamStatus: 1 | 2 | 3 | 4 | 5;
      message: string | null;
      tempIdExpiresAt?: string;
    }
  | { type: 'PollDeadlinePassed'; operationId: string }
  | { type: 'AccountConfirmed'; accountNumber: string; alreadyExisted: boolean }
  | {
      type: 'CredentialAttached';
      accountNumber: string;
      kind: 'proofed' | 'biometric';
      replacedPrevious: boolean;
    }
  | {
      type: 'StepFailed';
      step: Step;
      code: string;
      message: string;
      retryable: boolean;
      attempts: number;
    }
  | { type: 'RetryRequested'; reason: string; requestedBy?: string }
  | { type: 'HintReceived' };

export interface Work {
  step: Step;
  generation: number;
  nextSequence: number;
  admission: 'new' | 'continuing';
}

type Decision = { events: PendingEvent[] } | { rejection: { detail: string } };

function candidates(state: EnrollmentState | null, command: Command): PendingEvent[] | null {
  switch (command.type) {
    case 'Request':
      return [{ type: EVENT_TYPES.requested, data: command.request }];
    case 'CaptureStarted': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.captureStarted, data }];
    }
    case 'CaptureObserved': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.captureCompleted, data }];
    }
    case 'PollDeadlinePassed':
      return [
        {
          type: EVENT_TYPES.captureCompleted,
          data: { operationId: command.operationId, upstreamStatus: 3, message: POLL_DEADLINE_MESSAGE },
        },
      ];
    case 'AccountConfirmed': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.accountCreated, data }];
    }
    case 'CredentialAttached': {
      const { type: _, ...data } = command;
      return [
        { type: EVENT_TYPES.credentialAttached, data },
        { type: EVENT_TYPES.completed, data: {} },
      ];
    }
    case 'StepFailed': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.failed, data }];
    }
    case 'RetryRequested': {
      // Today's ops retry: only a failed enrollment, at its failed step.
      if (state?.status !== 'failed' || state.failure === null) return null;
      const { type: _, ...rest } = command;
      return [{ type: EVENT_TYPES.retried, data: { step: state.failure.step, ...rest } }];
    }
    case 'HintReceived':
      return [];
  }
}

function envelope(id: string, pending: PendingEvent, sequence: number, correlationId: string) {
  return createEvent<EnrollmentEventType>({
    ...pending,
    subject: id,
    sequence,
    source: SOURCE,
    correlationId,
    discriminator: sequence,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)),
  });
}

function decide(id: string, state: EnrollmentState | null, command: Command): Decision {
  const pending = candidates(state, command);
  if (pending === null) return { rejection: { detail: 'no failure to retry' } };
  try {
    let s = state;
    pending.forEach((p, i) => {
      s = apply(s, envelope(id, p, (state?.version ?? 0) + i + 1, state?.correlationId ?? `corr-${id}`));
    });
    return { events: pending };
  } catch (error) {
    if (error instanceof InvalidTransitionError) return { rejection: { detail: error.message } };
    throw error;
  }
}

function nextWork(state: EnrollmentState, stream: readonly EnrollmentEvent[]): Work | null {
  const step = nextStep(state);
  if (step === null) return null;
  const lastRetry = stream.filter((e) => e.type === EVENT_TYPES.retried).at(-1);
  return {
    step,
    generation: lastRetry?.sequence ?? 0,
    nextSequence: state.version + 1,
    admission: state.version === 1 ? 'new' : 'continuing',
  };
}

/** What `then` expects for a refused command (`rejected()`). */
export interface Rejected {
  rejected: true;
}
export const rejected = (): Rejected => ({ rejected: true });

class Outcome {
  constructor(
    private readonly decision: Decision,
    private readonly after: () => Work | null,
  ) {}

  /** The command records exactly these events, or (`rejected()`) it is refused and records nothing. */
  then(expected: PendingEvent[] | Rejected): { andNext(work: Partial<Work> | null): void } {
    if (Array.isArray(expected)) expect(this.decision).toEqual({ events: expected });
    else expect('rejection' in this.decision).toBe(true);
    return {
      /** What the pipeline does next once the events are recorded (null: nothing, it has settled). */
      andNext: (work) => {
        const actual = this.after();
        if (work === null) expect(actual).toBeNull();
        else expect(actual).toMatchObject(work);
      },
    };
  }
}

class Given {
  constructor(
    private readonly id: string,
    private readonly events: readonly EnrollmentEvent[],
  ) {}

  private state(): EnrollmentState | null {
    return this.events.length === 0 ? null : fold(this.events);
  }

  when(command: Command): Outcome {
    const state = this.state();
    const decision = decide(this.id, state, command);
    return new Outcome(decision, () => {
      if (!('events' in decision)) throw new Error('a rejected command has no next work');
      const stream = [...this.events];
      const version = state?.version ?? 0;
      decision.events.forEach((p, i) =>
        stream.push(envelope(this.id, p, version + i + 1, state?.correlationId ?? `corr-${this.id}`)),
      );
      return nextWork(fold(stream), stream);
    });
  }

  /** The work the stream as given asks for. */
  next(): Work | null {
    const state = this.state();
    if (state === null) return null;
    return nextWork(state, this.events);
  }

  status(): string | null {
    return this.state()?.status ?? null;
  }
}

/** The enrollment `id` whose stream holds `events` (none: it does not exist yet). */
export function given(events: readonly EnrollmentEvent[], id = events[0]?.subject ?? 'enr-spec'): Given {
  return new Given(id, events);
}

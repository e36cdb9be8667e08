import { InvalidTransitionError } from '../errors.js';
import { EVENT_TYPES } from '../event-types.js';
import {
  POLL_DEADLINE_MESSAGE,
  type Command,
  type Decision,
  type PendingEvent,
  type StepObservation,
} from './commands.js';
import { evolve } from './evolve.js';
import { explainRejection } from './rejections.js';
import type { Enrollment } from './state.js';

/**
 * The events an observation of a step stands for, whatever the state (the lifecycle checks them in `decide`,
 * and the step runner records them for the position its job holds).
 */
export function observed(command: StepObservation): PendingEvent[] {
  switch (command.type) {
    case 'CaptureStarted': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.captureStarted, data }];
    }
    case 'CaptureObserved': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.captureCompleted, data }];
    }
    case 'PollDeadlinePassed':
      // We stop looking at the operation's timeout: to the enrollment that is the upstream's expiry.
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
      // Attaching the credential is the last step of every mode.
      return [
        { type: EVENT_TYPES.credentialAttached, data },
        { type: EVENT_TYPES.completed, data: {} },
      ];
    }
    case 'StepFailed': {
      const { type: _, ...data } = command;
      return [{ type: EVENT_TYPES.failed, data }];
    }
  }
}

/** The events a command stands for, before the lifecycle checks them. */
function candidates(state: Enrollment, command: Command): PendingEvent[] | null {
  switch (command.type) {
    case 'Request':
      return [{ type: EVENT_TYPES.requested, data: command.request }];
    case 'RetryRequested': {
      // A retry never repeats a step that succeeded: it returns to the failed one.
      if (state.status !== 'failed') return null;
      const { type: _, ...rest } = command;
      return [{ type: EVENT_TYPES.retried, data: { step: state.failure.step, ...rest } }];
    }
    case 'HintReceived':
      return [];
    default:
      return observed(command);
  }
}

/**
 * What the enrollment records when the pipeline observes `command`: its events, or a rejection when the
 * lifecycle does not allow it (checked by `evolve`, so the transitions are written once). Pure.
 */
export function decide(state: Enrollment, command: Command): Decision {
  const pending = candidates(state, command);
  if (pending === null)
    return {
      rejection: explainRejection(state, command, `a ${state.status} enrollment has no failure to retry`),
    };
  const subject =
    state.status === 'none' ? (command.type === 'Request' ? command.request.enrollmentId : '') : state.id;
  const correlationid = state.status === 'none' ? '' : state.correlationId;
  try {
    pending.reduce<Enrollment>(
      (s, p): Enrollment => evolve(s, { ...p, subject, correlationid, sequence: 0, time: '' }),
      state,
    );
  } catch (error) {
    if (error instanceof InvalidTransitionError)
      return { rejection: explainRejection(state, command, error.message) };
    throw error;
  }
  return { events: pending };
}

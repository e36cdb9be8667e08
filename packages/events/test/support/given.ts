import { expect } from 'vitest';
import {
  createEvent,
  decide,
  foldEnrollment,
  nextWork,
  type Command,
  type Decision,
  type EnrollmentEvent,
  type EnrollmentEventType,
  type PendingEvent,
  type RejectionCode,
  type Work,
} from '../../src/index.js';
import { SOURCE } from './builders.js';

// The specification's helper: given the events of a stream, when a command, then events or a rejection, and
// then the next work. Answered by the domain core (decide, evolve through foldEnrollment, nextWork).

export { POLL_DEADLINE_MESSAGE, type Command, type PendingEvent } from '../../src/index.js';

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

/** What `then` expects for a refused command (`rejected()`, or `rejected(code)` for the reason too). */
export interface Rejected {
  rejected: true;
  code?: RejectionCode;
}
export const rejected = (code?: RejectionCode): Rejected => ({ rejected: true, ...(code && { code }) });

class Outcome {
  constructor(
    private readonly decision: Decision,
    private readonly after: () => Work | null,
  ) {}

  /** The command records exactly these events, or (`rejected()`) it is refused and records nothing. */
  then(expected: PendingEvent[] | Rejected): { andNext(work: Partial<Work> | null): void } {
    if (Array.isArray(expected)) expect(this.decision).toEqual({ events: expected });
    else if (expected.code) expect(this.decision).toMatchObject({ rejection: { code: expected.code } });
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

  when(command: Command): Outcome {
    const before = foldEnrollment(this.events);
    const decision = decide(before.state, command);
    return new Outcome(decision, () => {
      if (!('events' in decision)) throw new Error('a rejected command has no next work');
      const correlationId = before.state.status === 'none' ? `corr-${this.id}` : before.state.correlationId;
      const stream = [...this.events];
      decision.events.forEach((p, i) =>
        stream.push(envelope(this.id, p, before.version + i + 1, correlationId)),
      );
      return nextWork(foldEnrollment(stream));
    });
  }

  /** The work the stream as given asks for. */
  next(): Work | null {
    return nextWork(foldEnrollment(this.events));
  }

  status(): string | null {
    const { state } = foldEnrollment(this.events);
    return state.status === 'none' ? null : state.status;
  }
}

/** The enrollment `id` whose stream holds `events` (none: it does not exist yet). */
export function given(events: readonly EnrollmentEvent[], id = events[0]?.subject ?? 'enr-spec'): Given {
  return new Given(id, events);
}

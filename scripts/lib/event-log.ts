// Enrollment timelines read back from the event log (the source of truth), for the demo and the soak.
import { createKafka, scanEventLog, topicNames, type EventEnvelope } from '@verified-onboard/events';

export interface EnrollmentTimeline {
  id: string;
  requestedAt: number;
  /** Time of the event that made it terminal (completed, or capture_completed with status 2..5, or failed). */
  terminalAt: number | null;
  lastType: string;
}

const terminalTypes = new Set(['enrollment.completed.v1', 'enrollment.failed.v1']);

export async function readEnrollmentLog(options: { brokers: string[]; topicPrefix: string; batchId?: string }): Promise<EnrollmentTimeline[]> {
  const kafka = createKafka({ brokers: options.brokers, clientId: 'event-log-reader' });
  const timelines = new Map<string, EnrollmentTimeline>();
  await scanEventLog(kafka, {
    topic: topicNames(options.topicPrefix).enrollmentEvents,
    onEvent: (event: EventEnvelope) => {
      const at = Date.parse(event.time);
      if (event.type === 'enrollment.requested.v1') {
        const data = event.data as { batchId?: string };
        if (options.batchId === undefined || data.batchId === options.batchId) {
          timelines.set(event.subject, { id: event.subject, requestedAt: at, terminalAt: null, lastType: event.type });
        }
        return;
      }
      const timeline = timelines.get(event.subject);
      if (!timeline) return;
      timeline.lastType = event.type;
      const upstreamStatus = (event.data as { upstreamStatus?: number }).upstreamStatus;
      const terminal = terminalTypes.has(event.type) || (event.type === 'enrollment.capture_completed.v1' && upstreamStatus !== 1);
      if (terminal) timeline.terminalAt = at;
      else if (event.type === 'enrollment.retried.v1') timeline.terminalAt = null;
    },
  });
  return [...timelines.values()];
}

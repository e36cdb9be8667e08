// Enrollment timelines read back from the event log (the source of truth), for the demo's report.
import { EVENT_TYPES, topicNames, type EnrollmentEvent } from '@verified-onboard/events';
import { createKafka, readEnrollmentStreams } from '@verified-onboard/adapters';

export interface EnrollmentTimeline {
  id: string;
  requestedAt: number;
  /** Time of the event that made it terminal (completed, failed, or capture_completed with status 2..5). */
  terminalAt: number | null;
  lastType: string;
}

function isTerminal(event: EnrollmentEvent): boolean {
  if (event.type === EVENT_TYPES.completed || event.type === EVENT_TYPES.failed) return true;
  return event.type === EVENT_TYPES.captureCompleted && event.data.upstreamStatus !== 1;
}

export async function readEnrollmentLog(options: {
  brokers: string[];
  topicPrefix: string;
  batchId?: string;
}): Promise<EnrollmentTimeline[]> {
  const kafka = createKafka({ brokers: options.brokers, clientId: 'event-log-reader' });
  const streams = await readEnrollmentStreams(kafka, {
    topic: topicNames(options.topicPrefix).enrollmentEvents,
    select: (requested) => options.batchId === undefined || requested.data.batchId === options.batchId,
  });
  return [...streams].flatMap(([id, events]) => {
    const [first, last] = [events.at(0), events.at(-1)];
    if (!first || !last) return [];
    // A retry after a failure reopens the enrollment: only the final outcome counts.
    return {
      id,
      requestedAt: Date.parse(first.time),
      terminalAt: isTerminal(last) ? Date.parse(last.time) : null,
      lastType: last.type,
    };
  });
}

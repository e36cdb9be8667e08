import type { RequestedData } from '@verified-onboard/events';

/**
 * The requests this process's pipeline consumer saw lately, by enrollment id. Jobs carry ids only (job data is
 * on the dashboard and kept with failed jobs), so a step needs the request from somewhere: here when the same
 * process enqueued it, which spares the first step a wait for the projector; the read model otherwise.
 * Bounded: the oldest entry goes first, so a million-line batch holds at most `capacity` requests.
 */
export class RecentRequests {
  private readonly entries = new Map<string, RequestedData>();

  constructor(private readonly capacity = 10_000) {}

  remember(enrollmentId: string, request: RequestedData): void {
    this.entries.delete(enrollmentId);
    this.entries.set(enrollmentId, request);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get(enrollmentId: string): RequestedData | undefined {
    return this.entries.get(enrollmentId);
  }

  get size(): number {
    return this.entries.size;
  }
}

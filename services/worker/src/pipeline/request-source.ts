import type { RequestedData } from '@verified-onboard/events';
import { RequestNotProjectedError } from '../errors.js';
import type { StepJob } from './step-contract.js';

/**
 * Where a step finds the enrollment's request (jobs carry ids only): the requests this process's pipeline
 * consumer saw lately (RecentRequests), else the read model, which holds the `requested` event anyway. The
 * projector may trail the pipeline by a moment, so a request not there yet parks the job
 * (RequestNotProjectedError) instead of failing it.
 */
export interface RequestSource {
  get(enrollmentId: string): Promise<RequestedData | null>;
}

export async function requestOf(job: StepJob, source: RequestSource): Promise<RequestedData> {
  const request = await source.get(job.data.enrollmentId);
  if (!request)
    throw new RequestNotProjectedError(
      `the request of enrollment ${job.data.enrollmentId} is not in the read model yet`,
    );
  return request;
}

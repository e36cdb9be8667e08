import type { EnrollmentEventType, EventData } from '@verified-onboard/events';
import type { VerifiedClient } from '@verified-onboard/verified-client';
import type { Job } from 'bullmq';
import type { WorkerConfig } from '../config.js';
import type { Ownership } from '../upstream/ownership.js';
import type { HintBook } from './hint-book.js';
import type { RequestSource } from './request-source.js';
import type { PollProgress, Step, StepJobData } from './job-data.js';
import type { SecretStore } from './secrets.js';
import type { SelfieSource } from './selfie-source.js';

/** An event a step wants to emit; the runner gives it its envelope (id, sequence, causation). */
export type PendingEvent = {
  [K in EnrollmentEventType]: { type: K; data: EventData<K> };
}[EnrollmentEventType];

export interface NextStep {
  step: Step;
  delayMs?: number;
}

export type StepResult =
  | { kind: 'done'; events: PendingEvent[]; next?: NextStep }
  /** Poll only: the operation is still pending, look again after `delayMs` (same job). */
  | { kind: 'redelay'; delayMs: number; poll: PollProgress };

export interface StepContext {
  config: WorkerConfig;
  client: VerifiedClient;
  ownership: Ownership;
  secrets: SecretStore;
  selfies: SelfieSource;
  requests: RequestSource;
  hints: HintBook;
  /** Whether the upstream was told our webhook URL (polling then only backs webhooks up). */
  webhooks: { readonly active: boolean };
  now: () => number;
}

export type StepJob = Job<StepJobData, void, Step>;
export type StepProcessor = (job: StepJob, ctx: StepContext) => Promise<StepResult>;

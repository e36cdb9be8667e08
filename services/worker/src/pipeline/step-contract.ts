import type { StepObservation } from '@verified-onboard/events';
import type { VerifiedClient } from '@verified-onboard/verified-client';
import type { Job } from 'bullmq';
import type { WorkerConfig } from '../config.js';
import type { EffectIntents } from '../stores/effect-intents.js';
import type { OperationStore } from '../stores/operation-store.js';
import type { HintBook } from './hint-book.js';
import type { RequestSource } from './request-source.js';
import type { PollProgress, Step, StepJobData } from './job-data.js';
import type { SecretStore } from './secrets.js';
import type { SelfieSource } from './selfie-source.js';

/**
 * What a step found out: an observation for the domain core, which turns it into events and says what work
 * comes next (a step never names the next one).
 */
export type StepResult =
  | { kind: 'observed'; observation: StepObservation }
  /**
   * Poll only: the operation is still pending. The runner parks the poll (ParkedPolls, not a BullMQ delay)
   * and it is looked at again after `recheckInMs`, with `poll` as its progress.
   */
  | { kind: 'pending'; recheckInMs: number; poll: PollProgress };

export interface StepContext {
  config: WorkerConfig;
  client: VerifiedClient;
  /** Intents before upstream creates: tells our own earlier effect from someone else's. */
  intents: EffectIntents;
  /** The upstream operation each enrollment started, and the operation → enrollment index. */
  operations: OperationStore;
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

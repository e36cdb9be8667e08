import {
  DEFAULT_TENANT,
  EVENT_TYPES,
  tenantOf,
  type EnrollmentEvent,
  type EnrollmentState,
  type Keyring,
} from '@verified-onboard/events';
import type { Redis } from 'ioredis';
import { canSee, type Principal } from '../auth/api-keys.js';
import type { RedisKeys } from './keys.js';
import type { ReadModelSource } from './read-model-source.js';
import type { EnrollmentView } from './schemas.js';

/** What the api remembers of an enrollment it accepted, until the projector has caught up. */
export interface AcceptedRecord {
  id: string;
  accountNumber: string;
  mode: EnrollmentView['mode'];
  batchId?: string;
  createdAt: string;
  /** Absent in records written before tenants (default tenant). */
  tenant?: string;
}

/** An enrollment as the api knows it, with the tenant that owns it. */
export interface OwnedView {
  view: EnrollmentView;
  tenant: string;
}

// Long enough for any projector lag; the read model is the truth afterwards.
export const ACCEPTED_RECORD_TTL_SEC = 7 * 24 * 3600;

export function toView(state: EnrollmentState, captureUrl: string | null): EnrollmentView {
  return {
    id: state.id,
    accountNumber: state.accountNumber,
    mode: state.mode,
    status: state.status,
    ...(state.operationId ? { operationId: state.operationId } : {}),
    ...(captureUrl ? { captureUrl } : {}),
    ...(state.failure
      ? {
          failure: {
            step: state.failure.step,
            code: state.failure.code,
            message: state.failure.message,
            retryable: state.failure.retryable,
          },
        }
      : {}),
    ...(state.batchId ? { batchId: state.batchId } : {}),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    version: state.version,
  };
}

export class EnrollmentQueries {
  constructor(
    private readonly redis: Redis,
    private readonly readModel: ReadModelSource,
    private readonly keys: RedisKeys,
    /** Opens the capture URL, which the worker keeps sealed under its Redis key. */
    private readonly keyring: Keyring,
  ) {}

  async state(id: string): Promise<EnrollmentState | null> {
    return (await this.readModel()).get(id);
  }

  /**
   * The view `principal` may see: null for an unknown id and for another tenant's id alike (the caller answers
   * 404 either way). The capture URL, a bearer secret, goes only to the owning tenant, never to an operator.
   */
  async viewFor(principal: Principal, id: string): Promise<EnrollmentView | null> {
    const found = await this.find(id);
    if (!found || !canSee(principal, found.tenant)) return null;
    if (found.tenant === principal.tenant || found.view.captureUrl === undefined) return found.view;
    const { captureUrl: _hidden, ...view } = found.view;
    return view;
  }

  /** The read model's view, or the "accepted" record (status requested) between 202 and projection; null if unknown. */
  async find(id: string): Promise<OwnedView | null> {
    const state = await (await this.readModel()).get(id);
    if (state) {
      const captureUrl =
        state.status === 'capture_pending' && state.request.transport === 'inline'
          ? await this.captureUrl(id)
          : null;
      return { view: toView(state, captureUrl), tenant: tenantOf(state.request) };
    }
    const raw = await this.redis.get(this.keys.accepted(id));
    if (!raw) return null;
    const record = JSON.parse(raw) as AcceptedRecord;
    return {
      tenant: record.tenant ?? DEFAULT_TENANT,
      view: {
        id: record.id,
        accountNumber: record.accountNumber,
        mode: record.mode,
        status: 'requested',
        ...(record.batchId ? { batchId: record.batchId } : {}),
        createdAt: record.createdAt,
        updatedAt: record.createdAt,
        version: 0,
      },
    };
  }

  /** A value stored before sealing, or under a retired key, reads as absent: the view shows no URL. */
  private async captureUrl(id: string): Promise<string | null> {
    const key = this.keys.captureUrl(id);
    const sealed = await this.redis.get(key);
    return sealed === null ? null : this.keyring.openText(sealed, key);
  }

  /** The events `principal` may see; null for an unknown id and for another tenant's id alike. */
  async eventsFor(principal: Principal, id: string): Promise<EnrollmentEvent[] | null> {
    const events = await (await this.readModel()).events(id);
    if (events.length > 0) {
      const requested = events.find((event) => event.type === EVENT_TYPES.requested);
      const tenant = requested ? tenantOf(requested.data) : DEFAULT_TENANT;
      if (!canSee(principal, tenant)) return null;
      return [...events].sort((a, b) => a.sequence - b.sequence);
    }
    const found = await this.find(id);
    return found && canSee(principal, found.tenant) ? [] : null;
  }

  async remember(record: AcceptedRecord): Promise<void> {
    await this.redis.set(
      this.keys.accepted(record.id),
      JSON.stringify(record),
      'EX',
      ACCEPTED_RECORD_TTL_SEC,
    );
  }
}

import { randomUUID } from 'node:crypto';
import {
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  type OpsAction,
  type OpsActionRecordedData,
} from '@verified-onboard/events';
import type { Principal } from '../auth/api-keys.js';
import { ServiceUnavailableError } from '../errors.js';
import type { EventPublisher } from '../publishing/publisher.js';

export class AuditUnavailableError extends ServiceUnavailableError {
  constructor() {
    super(
      'audit_unavailable',
      'The ops audit trail did not acknowledge the record of this action, so the action did not run; retry later.',
    );
  }
}

export type AuditTarget = OpsActionRecordedData['target'];

/**
 * The audit trail of operator actions: `ops.action_recorded.v1` on the ops audit topic. An action runs only
 * after its record is acknowledged by the broker, so nothing an operator does goes unrecorded; when the
 * record cannot be written the action is refused (503 audit_unavailable), never run unrecorded.
 */
export class OpsAudit {
  constructor(private readonly publisher: EventPublisher) {}

  async record(action: OpsAction, principal: Principal, target: AuditTarget): Promise<string> {
    const id = randomUUID();
    const event = createEvent({
      type: EVENT_TYPES.opsActionRecorded,
      subject: id,
      sequence: 0,
      data: {
        action,
        keyId: principal.keyId,
        // An ops key acts across tenants; its own tenant is recorded to say whose key it was.
        tenant: principal.tenant,
        target,
        at: new Date().toISOString(),
      },
      source: EVENT_SOURCES.api,
      correlationId: id,
    });
    try {
      await this.publisher.publish('opsAudit', [event]);
    } catch {
      throw new AuditUnavailableError();
    }
    return id;
  }
}

/** A selector's scalar fields as an audit filter (ids are recorded apart, absent fields left out). */
export function auditFilter(selector: object): Record<string, string | boolean | number> {
  return Object.fromEntries(
    Object.entries(selector).filter(
      (entry): entry is [string, string | boolean | number] =>
        typeof entry[1] === 'string' || typeof entry[1] === 'boolean' || typeof entry[1] === 'number',
    ),
  );
}

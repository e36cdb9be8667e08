import { randomUUID } from 'node:crypto';
import type { Kafka } from '@verified-onboard/adapters';

function messageBytes(m: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}): number {
  let bytes = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) bytes += k.length + String(v).length;
  return bytes;
}

const TERMINAL_TYPES = new Set(['enrollment.completed.v1', 'enrollment.failed.v1']);

/**
 * Follows the enrollment event log (the source of truth, not the read model) and records, per enrollment of
 * one batch, when its completed or failed event happened (the event's own `ce_time`). Reads headers only, so a
 * capture that ends rejected/expired (status in the data) is not seen: use it where everyone accepts.
 */
export class TerminalEventWatch {
  readonly requestedAt = new Map<string, number>();
  readonly terminalAt = new Map<string, { at: number; type: string }>();
  /** Every event of the batch seen in the log, and their bytes (key, value and headers). */
  events = 0;
  eventBytes = 0;
  private readonly consumer;

  private constructor(
    kafka: Kafka,
    private readonly correlationId: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
  }

  static async start(kafka: Kafka, topic: string, correlationId: string): Promise<TerminalEventWatch> {
    const watch = new TerminalEventWatch(kafka, correlationId);
    await watch.consumer.connect();
    await watch.consumer.subscribe({ topic, fromBeginning: true });
    await watch.consumer.run({
      eachBatch: ({ batch }) => {
        for (const m of batch.messages) watch.observe(m.headers ?? {}, messageBytes(m));
        return Promise.resolve();
      },
    });
    return watch;
  }

  private observe(headers: Record<string, unknown>, bytes: number): void {
    const h = (name: string) => {
      const v = headers[name];
      return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
    };
    if (h('ce_correlationid') !== this.correlationId) return;
    this.events++;
    this.eventBytes += bytes;
    const type = h('ce_type') ?? '';
    const subject = h('ce_subject') ?? '';
    const at = Date.parse(h('ce_time') ?? '');
    if (type === 'enrollment.requested.v1') this.requestedAt.set(subject, at);
    else if (TERMINAL_TYPES.has(type)) this.terminalAt.set(subject, { at, type });
  }

  count(type?: string): number {
    if (!type) return this.terminalAt.size;
    let n = 0;
    for (const t of this.terminalAt.values()) if (t.type === type) n++;
    return n;
  }

  /** End-to-end latencies (terminal event time − requested time) in seconds, sorted. */
  latencies(): number[] {
    const out: number[] = [];
    for (const [id, t] of this.terminalAt) {
      const requested = this.requestedAt.get(id);
      if (requested !== undefined) out.push((t.at - requested) / 1000);
    }
    return out.sort((a, b) => a - b);
  }

  lastTerminalAt(): number {
    let last = 0;
    for (const t of this.terminalAt.values()) last = Math.max(last, t.at);
    return last;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

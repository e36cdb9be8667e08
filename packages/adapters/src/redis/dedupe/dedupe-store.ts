/**
 * Remembers event ids a consumer has handled. Scope one store (one key prefix) to one consumer group: every
 * group must see every event once. `add` runs after the handler succeeded, so a crash in between means one
 * redelivery: handlers stay idempotent, dedupe only makes redelivery cheap and rare.
 */
export interface DedupeStore {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

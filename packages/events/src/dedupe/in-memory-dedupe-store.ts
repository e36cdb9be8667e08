import type { DedupeStore } from './dedupe-store.js';

/** Process-local LRU of recent ids: for a single consumer process, or tests. */
export class InMemoryDedupeStore implements DedupeStore {
  private readonly ids = new Map<string, true>();

  constructor(private readonly maxEntries = 100_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
  }

  async has(id: string): Promise<boolean> {
    if (!this.ids.has(id)) return false;
    // Refresh recency: Map iteration order is insertion order, so the first key is the least recent.
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  async add(id: string): Promise<void> {
    this.ids.delete(id);
    this.ids.set(id, true);
    while (this.ids.size > this.maxEntries) {
      const oldest = this.ids.keys().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}

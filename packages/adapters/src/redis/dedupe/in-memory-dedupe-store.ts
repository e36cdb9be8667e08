import type { DedupeStore } from './dedupe-store.js';

/** Process-local LRU of recent ids: for a single consumer process, or tests. */
export class InMemoryDedupeStore implements DedupeStore {
  private readonly ids = new Map<string, true>();

  constructor(private readonly maxEntries = 100_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
  }

  has(id: string): Promise<boolean> {
    if (!this.ids.has(id)) return Promise.resolve(false);
    // Refresh recency: Map iteration order is insertion order, so the first key is the least recent.
    this.ids.delete(id);
    this.ids.set(id, true);
    return Promise.resolve(true);
  }

  add(id: string): Promise<void> {
    this.ids.delete(id);
    this.ids.set(id, true);
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= this.maxEntries) break;
      this.ids.delete(oldest);
    }
    return Promise.resolve();
  }

  get size(): number {
    return this.ids.size;
  }
}

import type { EmulatorClock } from './clock.js';

interface Entry {
  at: number;
  id: string;
}

// setTimeout stores its delay in a signed 32-bit integer.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Scheduled operation outcomes (user decisions and Timeouts) on the emulator clock: a binary min-heap with a
 * single real timer armed for the earliest entry. The timer makes outcomes (and their webhooks) happen without
 * anyone polling; `drain()` is also called when the clock is advanced over HTTP, so a moved clock fires what
 * became due at once. Entries may be stale (the operation already finished): the callback decides.
 */
export class DueQueue {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly onDue: (id: string) => void,
  ) {}

  push(at: number, id: string): void {
    if (this.closed) return;
    this.heap.push({ at, id });
    this.siftUp(this.heap.length - 1);
    if (at < this.timerAt) this.arm();
  }

  drain(): void {
    const now = this.clock.now();
    for (let top = this.heap[0]; top && top.at <= now; top = this.heap[0]) {
      this.pop();
      this.onDue(top.id);
    }
    this.arm();
  }

  get size(): number {
    return this.heap.length;
  }

  clear(): void {
    this.heap.length = 0;
    this.disarm();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private arm(): void {
    this.disarm();
    const first = this.heap[0];
    if (this.closed || !first) return;
    const next = first.at;
    const delay = Math.min(Math.max(next - this.clock.now(), 0), MAX_TIMER_MS);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.drain();
    }, delay);
    // Pending outcomes alone must not keep a process (or a test worker) alive.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest entry. */
  private pop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  // Both sifts move a hole instead of swapping: the moving entry is written once, where it lands.
  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    if (!entry) return;
    let i = index;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex];
      if (!parent || parent.at <= entry.at) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = entry;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    if (!entry) return;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      let childIndex = left;
      let child = heap[left];
      const right = heap[left + 1];
      if (child && right && right.at < child.at) {
        childIndex = left + 1;
        child = right;
      }
      if (!child || child.at >= entry.at) break;
      heap[i] = child;
      i = childIndex;
    }
    heap[i] = entry;
  }
}

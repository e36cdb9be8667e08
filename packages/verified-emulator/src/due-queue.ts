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
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.pop();
      this.onDue(entry.id);
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
    if (this.closed || this.heap.length === 0) return;
    const next = this.heap[0]!.at;
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

  private pop(): Entry {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && heap[left]!.at < heap[smallest]!.at) smallest = left;
      if (right < n && heap[right]!.at < heap[smallest]!.at) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}

/**
 * The simulator's clock: a priority queue of events ordered by (virtual time, insertion
 * sequence). Equal times run in the order they were scheduled, so a run is a pure function
 * of its seed.
 */
import { assert } from '@konsortium/raft';

interface Event {
  readonly time: number;
  readonly seq: number;
  readonly run: () => void;
}

export class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  /** Current virtual time in milliseconds. */
  now = 0;
  /** Events run so far. */
  steps = 0;

  at(time: number, run: () => void): void {
    assert(time >= this.now, () => `scheduling in the past: ${time} < ${this.now}`);
    this.push({ time, seq: this.seq++, run });
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.now + Math.max(0, delayMs), run);
  }

  /** Runs events until the queue is empty, time passes `until`, or `maxSteps` is reached. */
  runUntil(until: number, maxSteps: number): void {
    while (this.heap.length > 0 && this.steps < maxSteps) {
      const top = this.heap[0]!;
      if (top.time > until) break;
      this.pop();
      this.now = top.time;
      this.steps++;
      top.run();
    }
    if (this.now < until) this.now = until;
  }

  get size(): number {
    return this.heap.length;
  }

  private less(a: Event, b: Event): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

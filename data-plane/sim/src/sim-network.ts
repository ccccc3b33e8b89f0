/**
 * The simulated network: every message gets a random delay (so messages reorder), may be
 * dropped or duplicated, and never crosses a partition. Fault rates change during a run.
 */
import type { Message, NodeId, SeededRandom } from '@konsortium/raft';
import type { EventQueue } from './event-queue.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Latency is uniform in [minDelayMs, maxDelayMs]; a small share gets a long tail. */
  minDelayMs: number;
  maxDelayMs: number;
  longDelayRate: number;
  longDelayMs: number;
}

export class SimNetwork {
  /** Partition group per node; nodes in different groups cannot talk. Absent = group 0. */
  private group = new Map<NodeId, number>();
  faults: NetworkFaults;
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly clock: EventQueue,
    private readonly random: SeededRandom,
    faults: NetworkFaults,
    private readonly deliver: (m: Message) => void,
  ) {
    this.faults = { ...faults };
  }

  partition(groups: NodeId[][]): void {
    this.group.clear();
    groups.forEach((g, i) => g.forEach((id) => this.group.set(id, i + 1)));
  }

  heal(): void {
    this.group.clear();
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  isPartitioned(): boolean {
    return this.group.size > 0;
  }

  /** Returns false if the message was dropped at once (a lost connection). */
  send(m: Message): boolean {
    this.sent++;
    if (!this.connected(m.from, m.to) || this.random.chance(this.faults.dropRate)) {
      this.dropped++;
      return false;
    }
    const copies = this.random.chance(this.faults.duplicateRate) ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      const f = this.faults;
      const delay = this.random.chance(f.longDelayRate)
        ? f.longDelayMs
        : f.minDelayMs + this.random.int(Math.max(1, f.maxDelayMs - f.minDelayMs + 1));
      this.clock.after(delay, () => {
        // A partition that formed while the message was in flight still cuts it.
        if (this.connected(m.from, m.to)) this.deliver(m);
        else this.dropped++;
      });
    }
    return true;
  }
}

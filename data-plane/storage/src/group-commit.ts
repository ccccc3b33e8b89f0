/**
 * Group commit: at most one flush (write + fsync) is in flight; everything submitted meanwhile
 * waits and then goes out together in the next flush. Under load, fsync cost is shared by all
 * the saves that arrived during the previous one, which is what makes a durable WAL fast.
 *
 * Each submit's promise settles when the flush that carried it settles, never earlier: a
 * resolved save is a durable save. Groups are flushed strictly in submission order.
 */
import { assert } from '@konsortium/raft';

interface Waiter<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface GroupCommitOptions<T> {
  /** Size of an item in bytes, to cap a group (one write buffer) at maxGroupBytes. */
  readonly sizeOf: (item: T) => number;
  /** A group always takes at least one item, however large. */
  readonly maxGroupBytes: number;
}

export class GroupCommit<T> {
  private queue: Waiter<T>[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly flush: (items: readonly T[]) => Promise<void>,
    private readonly opts: GroupCommitOptions<T>,
  ) {}

  submit(item: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.running ??= this.run();
    return done;
  }

  /** Resolves once everything submitted so far has been flushed (successfully or not). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  get pending(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    // Yield once so that saves issued in the same tick as the first one join its group.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const group = this.take();
        try {
          await this.flush(group.map((w) => w.item));
        } catch (err) {
          for (const w of group) w.reject(err);
          continue;
        }
        for (const w of group) w.resolve();
      }
    } finally {
      this.running = null;
    }
  }

  private take(): Waiter<T>[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = this.opts.sizeOf(this.queue[n]!.item);
      if (n > 0 && bytes + size > this.opts.maxGroupBytes) break;
      bytes += size;
      n++;
    }
    assert(n > 0, 'GroupCommit.take: empty group');
    return this.queue.splice(0, n);
  }
}

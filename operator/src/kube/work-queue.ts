/**
 * The reconcile queue: one serial lane per object key, many keys at once.
 * - A key is never reconciled twice at the same time; a key queued again while it runs is run
 *   once more afterwards (events collapse: a burst of 50 updates costs at most 2 reconciles).
 * - At most `concurrency` keys run at once, in FIFO order of their first enqueue.
 * - A failed reconcile is retried after a per-key exponential backoff (capped); success resets
 *   it. A reconcile may also ask to be run again after a delay (polling an outside system).
 */

export type ReconcileResult = { readonly requeueAfterMs?: number } | void;
export type ReconcileFn = (key: string) => Promise<ReconcileResult>;

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly backoffStartMs?: number;
  readonly backoffCapMs?: number;
  readonly onError?: (key: string, err: unknown, retryInMs: number) => void;
  /** Injected clock and timers (tests). */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export interface QueueStats {
  reconciles: number;
  failures: number;
}

export class WorkQueue {
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { cancel(): void; at: number }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: QueueStats = { reconciles: 0, failures: 0 };

  constructor(
    private readonly reconcile: ReconcileFn,
    private readonly o: WorkQueueOptions,
  ) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pending.push(key);
    this.pump();
  }

  /** Runs `key` after `ms` (an earlier timer for it wins; a later add runs it sooner anyway). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing !== undefined && existing.at <= at) return;
    existing?.cancel();
    const timer = (this.o.setTimer ?? defaultTimer)(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { cancel: () => timer.cancel(), at });
  }

  get depth(): number {
    return this.pending.length + this.running.size;
  }

  /** Resolves when nothing is queued or running (timers may still be set). */
  async idle(): Promise<void> {
    if (this.depth === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    while (this.active < this.o.concurrency && this.pending.length > 0) {
      const key = this.pending.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.runOne(key);
    }
    if (this.depth === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runOne(key: string): Promise<void> {
    try {
      const result = await this.reconcile(key);
      this.stats.reconciles++;
      this.failures.delete(key);
      if (result && result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      this.stats.reconciles++;
      this.stats.failures++;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min((this.o.backoffStartMs ?? 200) * 2 ** (n - 1), this.o.backoffCapMs ?? 60_000);
      this.o.onError?.(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      this.running.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}

function defaultTimer(fn: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

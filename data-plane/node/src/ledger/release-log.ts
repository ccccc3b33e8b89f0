/**
 * The node's access-log writer: key releases are logged on chain (data.logRelease) before the
 * share leaves the node, and releases that arrive together share one transaction (up to
 * MAX_OPS operations). Under load that is one signature, one admission and one execution
 * overhead per batch instead of per release; alone, a release waits one event-loop turn.
 * A batch is all-or-nothing on chain, which is why logging a request twice is a no-op in the
 * contract (one repeated request cannot void the others).
 */
import type { NodeTxSender } from './node-sender.js';

export interface ReleaseEntry {
  readonly record: string;
  readonly version: number;
  readonly requester: string;
  readonly requestId: string;
}

/** Operations per logging transaction (the envelope allows 64). */
const MAX_OPS = 64;

interface Waiting {
  readonly entry: ReleaseEntry;
  resolve(txId: string): void;
  reject(err: unknown): void;
}

export class ReleaseLog {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly sender: NodeTxSender) {}

  /** Resolves with the id of the admitted transaction that logs `entry`; rejects if it could not be admitted. */
  log(entry: ReleaseEntry): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.queue.length >= MAX_OPS) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_OPS);
      try {
        const { txId } = this.sender.send(batch.map((w) => ({ contract: 'data', method: 'logRelease', args: w.entry })));
        for (const w of batch) w.resolve(txId);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }
}

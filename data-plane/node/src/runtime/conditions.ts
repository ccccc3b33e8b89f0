/**
 * Waits for conditions on the node's state (e.g. "the leader changed"), checked on every tick
 * and role change, each bounded by a deadline. Cheap enough for admin operations, which are
 * the only users: data-path waits are keyed by log index instead (see proposals.ts).
 */
import { NodeError } from '../errors.js';

interface Condition {
  readonly pred: () => boolean;
  readonly deadlineMs: number;
  readonly what: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class ConditionWaiters {
  private conditions: Condition[] = [];

  /** Resolves once `pred` holds; rejects with TIMEOUT after timeoutMs. */
  waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => this.conditions.push({ pred, deadlineMs: Date.now() + timeoutMs, what, resolve, reject }));
  }

  check(nowMs: number): void {
    if (this.conditions.length === 0) return;
    const still: Condition[] = [];
    for (const c of this.conditions) {
      if (c.pred()) c.resolve();
      else if (c.deadlineMs <= nowMs) c.reject(new NodeError('TIMEOUT', `${c.what} did not complete in time`));
      else still.push(c);
    }
    this.conditions = still;
  }

  failAll(err: unknown): void {
    const all = this.conditions;
    this.conditions = [];
    for (const c of all) c.reject(err);
  }
}

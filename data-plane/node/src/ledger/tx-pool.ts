/**
 * Transactions accepted by this node (prechecked) and not yet proposed, in arrival order. The
 * leader drains it into batches; bounded so that a flood is refused (OVERLOADED) instead of
 * growing the process without limit.
 */
import type { Transaction } from '@konsortium/protocol';
import { NodeError } from '../errors.js';

export interface PoolLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxTxs: 200_000, maxBytes: 256 * 1024 * 1024 };

export class TxPool {
  private readonly pending = new Map<string, Transaction>();
  private bytes = 0;

  constructor(private readonly limits: PoolLimits = DEFAULT_POOL_LIMITS) {}

  get size(): number {
    return this.pending.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  has(idHex: string): boolean {
    return this.pending.has(idHex);
  }

  /** Adds a transaction; false if it is already pending. Throws OVERLOADED when full. */
  add(idHex: string, tx: Transaction): boolean {
    if (this.pending.has(idHex)) return false;
    if (this.pending.size >= this.limits.maxTxs || this.bytes + tx.bytes.length > this.limits.maxBytes) {
      throw new NodeError('OVERLOADED', `transaction pool is full (${this.pending.size} transactions, ${this.bytes} bytes); retry later`);
    }
    this.pending.set(idHex, tx);
    this.bytes += tx.bytes.length;
    return true;
  }

  /** Takes the oldest transactions, up to the limits (at least one if any is pending). */
  take(maxTxs: number, maxBytes: number): { ids: string[]; txs: Transaction[] } {
    const ids: string[] = [];
    const txs: Transaction[] = [];
    let size = 0;
    for (const [id, tx] of this.pending) {
      if (txs.length >= maxTxs || (txs.length > 0 && size + tx.bytes.length > maxBytes)) break;
      ids.push(id);
      txs.push(tx);
      size += tx.bytes.length;
    }
    for (let i = 0; i < ids.length; i++) {
      this.pending.delete(ids[i]!);
      this.bytes -= txs[i]!.bytes.length;
    }
    return { ids, txs };
  }

  /** Puts proposed transactions back at the front (their entry was lost with a leadership change). */
  requeue(items: readonly (readonly [string, Transaction])[]): void {
    const rest = [...this.pending];
    this.pending.clear();
    this.bytes = 0;
    for (const [id, tx] of [...items, ...rest]) {
      if (this.pending.has(id)) continue;
      this.pending.set(id, tx);
      this.bytes += tx.bytes.length;
    }
  }

  /** Drops everything (e.g. this node is no longer leader and hands its transactions over). */
  drain(): [string, Transaction][] {
    const all = [...this.pending];
    this.pending.clear();
    this.bytes = 0;
    return all;
  }
}

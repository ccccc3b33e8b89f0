/**
 * Leader-side batching: pending transactions become one Raft entry each time the pipeline has
 * room. At most `maxInflight` batches are proposed and not yet applied; while they are in
 * flight new transactions accumulate, so batches grow with load (the same effect as group
 * commit) and stay small when idle, which keeps latency low.
 *
 * A batch whose entry is lost (a new leader overwrote it) is put back in the pool; if it did
 * commit after all, execution drops the duplicates, so nothing is applied twice.
 */
import { encodeBatch, type Transaction } from '@konsortium/protocol';
import type { Logger } from 'pino';
import { NodeError } from '../errors.js';
import type { RaftHandle } from './raft-handle.js';
import type { TxPool } from './tx-pool.js';

export interface BatchLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
  readonly maxInflight: number;
}

/** A batch executes in one go on every replica (≈0.3 ms per transaction): 1000 keeps that near a few hundred ms. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxTxs: 1000, maxBytes: 900 * 1024, maxInflight: 3 };

interface Inflight {
  readonly term: number;
  readonly items: readonly (readonly [string, Transaction])[];
}

export class BatchProposer {
  private readonly inflight = new Map<number, Inflight>();
  private scheduled = false;

  constructor(
    private readonly raft: RaftHandle,
    private readonly pool: TxPool,
    private readonly limits: BatchLimits,
    private readonly clock: () => number,
    private readonly logger: Logger,
    private readonly onOrdered: (ids: readonly string[]) => void,
  ) {}

  get inflightBatches(): number {
    return this.inflight.size;
  }

  /** Proposes soon (after the current event-loop turn, so concurrent arrivals share a batch). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.proposeWhileRoom();
    });
  }

  /** The entry at `index` (term `term`) was applied. */
  applied(index: number, term: number): void {
    const b = this.inflight.get(index);
    if (b === undefined) return;
    this.inflight.delete(index);
    if (b.term !== term) this.pool.requeue(b.items);
  }

  /** Leadership lost: batches not yet applied go back to the pool (to be forwarded or re-proposed). */
  leadershipLost(): void {
    const items = [...this.inflight.values()].flatMap((b) => b.items);
    this.inflight.clear();
    if (items.length > 0) this.pool.requeue(items);
  }

  proposeWhileRoom(): void {
    while (this.pool.size > 0 && this.inflight.size < this.limits.maxInflight && this.raft.isLeader()) {
      const { ids, txs } = this.pool.take(this.limits.maxTxs, this.limits.maxBytes);
      const data = encodeBatch({ proposer: this.raft.selfId, timestamp: this.clock(), txs: txs.map((t) => t.bytes) });
      let at;
      try {
        at = this.raft.propose([data]);
      } catch (err) {
        this.pool.requeue(ids.map((id, i) => [id, txs[i]!] as const));
        if (!(err instanceof NodeError)) throw err;
        this.logger.warn({ err: err.message, txs: txs.length }, 'batch not proposed; kept for later');
        return;
      }
      this.inflight.set(at.firstIndex, { term: at.term, items: ids.map((id, i) => [id, txs[i]!] as const) });
      this.onOrdered(ids);
    }
  }
}

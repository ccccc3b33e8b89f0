/**
 * Batches puts: every put that arrives in the same event-loop turn is proposed with one
 * proposeBatch (one core step, one append message per follower), then waits for its entry
 * to be applied. The WAL's group commit and the core's accumulation of proposals while an
 * fsync is in flight do the rest of the batching.
 */
import { type RawNode, Role } from '@konsortium/raft';
import { NodeError, notLeader } from '../errors.js';
import { encodePut } from '../kv/command.js';
import type { PutResult } from '../kv/state-machine.js';
import type { NodeMetrics } from '../metrics.js';
import { type ProposalWaiters, type Proposed, proposeAsLeader } from './proposals.js';

/** Bound on entries per proposeBatch: keeps one core step (and one Ready) small. */
const MAX_BATCH_ENTRIES = 4096;

interface QueuedPut {
  readonly data: Uint8Array;
  readonly resolve: (r: PutResult) => void;
  readonly reject: (err: unknown) => void;
}

export interface PutBatcherDeps {
  readonly rawNode: RawNode;
  readonly waiters: ProposalWaiters;
  readonly metrics: NodeMetrics;
  readonly requestTimeoutMs: number;
  readonly maxPendingProposals: number;
  /** Called after proposing, so the Ready loop runs. */
  readonly proposed: () => void;
}

export class PutBatcher {
  private queue: QueuedPut[] = [];
  private scheduled = false;

  constructor(private readonly deps: PutBatcherDeps) {}

  put(key: string, value: string): Promise<PutResult> {
    const raft = this.deps.rawNode.raft;
    if (raft.role !== Role.Leader) return Promise.reject(notLeader(raft.lead));
    if (this.queue.length + this.deps.waiters.size >= this.deps.maxPendingProposals) {
      this.deps.metrics.proposals.inc({ result: 'overloaded' });
      return Promise.reject(new NodeError('OVERLOADED', 'too many proposals in flight; retry later'));
    }
    const data = encodePut(key, value);
    return new Promise<PutResult>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Fails everything queued (shutdown). */
  failQueued(err: NodeError): void {
    const q = this.queue;
    this.queue = [];
    for (const p of q) p.reject(err);
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += MAX_BATCH_ENTRIES) this.propose(all.slice(i, i + MAX_BATCH_ENTRIES));
    this.deps.proposed();
  }

  private propose(batch: QueuedPut[]): void {
    const { rawNode, waiters, metrics } = this.deps;
    let at: Proposed;
    try {
      at = proposeAsLeader(rawNode, batch.map((p) => p.data));
    } catch (err) {
      metrics.proposals.inc({ result: err instanceof NodeError && err.code === 'NOT_LEADER' ? 'not_leader' : 'dropped' }, batch.length);
      for (const p of batch) p.reject(err);
      return;
    }
    metrics.proposals.inc({ result: 'proposed' }, batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      waiters.add(at.firstIndex + i, at.term, this.deps.requestTimeoutMs, p.resolve as (v: unknown) => void, p.reject);
    }
  }

}

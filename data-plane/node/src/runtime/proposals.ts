/**
 * Completion of proposals. A leader's proposal lands at a known (index, term) the moment it
 * is appended, so a waiter is keyed by index and remembers its term: when the entry at that
 * index is applied, the same term means it is ours; another term means a new leader
 * overwrote it. Entries carry no request id, which keeps them small.
 */
import { RaftError, type RawNode, Role } from '@konsortium/raft';
import { NodeError, notLeader } from '../errors.js';

interface Waiter {
  readonly term: number;
  readonly deadlineMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: NodeError) => void;
}

export class ProposalWaiters {
  /** By index; insertion order is index order, and so deadline order (see sweep). */
  private readonly waiters = new Map<number, Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  /** Waits for the entry appended at (index, term) to be applied. */
  wait<T>(index: number, term: number, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => this.add(index, term, timeoutMs, resolve as (v: unknown) => void, reject));
  }

  /** Like wait, with the callbacks given (saves a promise per put on the hot path). */
  add(index: number, term: number, timeoutMs: number, resolve: (value: unknown) => void, reject: (err: NodeError) => void): void {
    this.waiters.set(index, { term, deadlineMs: Date.now() + timeoutMs, resolve, reject });
  }

  /** The entry at (index, term) was applied with result `value`. */
  applied(index: number, term: number, value: unknown): void {
    const w = this.waiters.get(index);
    if (w === undefined) return;
    this.waiters.delete(index);
    if (w.term === term) w.resolve(value);
    else w.reject(new NodeError('LEADERSHIP_LOST', `entry ${index} was overwritten by a leader of term ${term}; not applied`));
  }

  /** A snapshot covering everything up to `index` was installed: those outcomes are unknown. */
  skippedTo(index: number): void {
    for (const [i, w] of this.waiters) {
      if (i > index) continue;
      this.waiters.delete(i);
      w.reject(new NodeError('LEADERSHIP_LOST', `entry ${i} was superseded by a snapshot; outcome unknown`));
    }
  }

  failAll(err: NodeError): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) w.reject(err);
  }

  /** Rejects waiters past their deadline. */
  sweep(nowMs: number): void {
    for (const [i, w] of this.waiters) {
      // Waiters are added in index order with the same timeout, so deadlines ascend too
      // (up to clock steps, which only delay a timeout by one sweep).
      if (w.deadlineMs > nowMs) break;
      this.waiters.delete(i);
      w.reject(new NodeError('TIMEOUT', `entry ${i} not applied in time; outcome unknown`));
    }
  }
}

/** Where proposed entries landed: contiguously from `firstIndex`, in `term`. */
export interface Proposed {
  readonly firstIndex: number;
  readonly term: number;
}

/**
 * Proposes entries on the leader. Throws NOT_LEADER (with the known leader) or
 * PROPOSAL_DROPPED (the core refused: transfer in progress, too much uncommitted).
 */
export function proposeAsLeader(rawNode: RawNode, datas: readonly Uint8Array[]): Proposed {
  const raft = rawNode.raft;
  if (raft.role !== Role.Leader) throw notLeader(raft.lead);
  const before = raft.log.lastIndex();
  try {
    rawNode.proposeBatch(datas);
  } catch (err) {
    if (err instanceof RaftError) throw new NodeError('PROPOSAL_DROPPED', err.message, { cause: err });
    throw err;
  }
  // The leader appends a batch contiguously after its last index, in its current term.
  if (raft.log.lastIndex() !== before + datas.length) throw new Error(`proposeBatch appended ${raft.log.lastIndex() - before} entries, expected ${datas.length}`);
  return { firstIndex: before + 1, term: raft.term };
}

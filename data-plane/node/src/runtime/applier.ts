/**
 * Applies committed Raft entries and snapshots to the KV state machine, and tells everyone who
 * waits on applying: proposal waiters (puts and conf changes), linearizable reads, the
 * transport (member addresses) and the core (conf changes take effect when applied).
 *
 * Entries may be handed over twice (see applyDurableCommitted): anything at or below the
 * state machine's applied index is skipped, so each entry is applied exactly once.
 */
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type MemoryStorage,
  type NodeId,
  type RawNode,
  type Snapshot,
} from '@konsortium/raft';
import type { Logger } from 'pino';
import type { KvStateMachine } from '../kv/state-machine.js';
import type { NodeMetrics } from '../metrics.js';
import type { RaftTransport } from '../transport/raft-transport.js';
import type { ProposalWaiters } from './proposals.js';
import type { ReadBatcher } from './read-batcher.js';
import { splitSnapshot } from './snapshot-envelope.js';

export interface ApplierDeps {
  readonly selfId: NodeId;
  readonly rawNode: RawNode;
  readonly storage: MemoryStorage;
  readonly kv: KvStateMachine;
  readonly waiters: ProposalWaiters;
  readonly reads: ReadBatcher;
  readonly transport: RaftTransport;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  /** Bound on entries applied outside a Ready in one go. */
  readonly maxApplyBytes: number;
}

export class Applier {
  /** This node was removed from the membership (it keeps running, but is not ready). */
  removed = false;

  constructor(private readonly d: ApplierDeps) {}

  /**
   * Applies entries[from, to); with a `deadline` (performance.now() time) stops after the first
   * entry that ends past it. Returns the index of the first entry not applied.
   */
  applyEntries(entries: readonly Entry[], from = 0, to = entries.length, deadline = Number.POSITIVE_INFINITY): number {
    const { kv, waiters } = this.d;
    let applied = 0;
    let i = from;
    while (i < to) {
      const e = entries[i++]!;
      if (e.index <= kv.appliedIndex) continue; // applied early (applyDurableCommitted)
      applied++;
      if (e.type === EntryType.ConfChange) {
        const { change, confState } = this.d.rawNode.applyConfChangeEntry(e);
        kv.applyConfChange(e.index, change, confState);
        this.membershipApplied(change, confState);
        waiters.applied(e.index, e.term, null);
      } else {
        const result = kv.applyEntry(e.index, e.data, e.term);
        if (waiters.size > 0) waiters.applied(e.index, e.term, result);
      }
      if (performance.now() >= deadline) break;
    }
    if (applied === 0) return i;
    kv.extension?.afterApply();
    this.d.metrics.appliedEntries.inc(applied);
    this.d.reads.onApplied();
    return i;
  }

  /**
   * Like applyEntries, but gives the event loop a turn whenever `sliceMs` have passed: a long
   * run of expensive entries (ledger batches execute at a fraction of a millisecond per
   * transaction) must not stall heartbeats, the transport and HTTP for seconds.
   */
  async applyEntriesSliced(entries: readonly Entry[], from: number, to: number, sliceMs: number): Promise<void> {
    let i = this.applyEntries(entries, from, to, performance.now() + sliceMs);
    while (i < to) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      i = this.applyEntries(entries, i, to, performance.now() + sliceMs);
    }
  }


  /**
   * While a Ready's fsync is in flight, acks keep arriving and the commit index moves. Entries
   * that are committed and already in stable storage (persisted by earlier Readies) are
   * applied now rather than after the fsync: a put is answered one fsync sooner. The next
   * Ready hands these entries out again and applyEntries skips them.
   */
  applyDurableCommitted(): void {
    const log = this.d.rawNode.raft.log;
    const from = Math.max(this.d.kv.appliedIndex + 1, log.firstIndex());
    const to = Math.min(log.committed, this.d.storage.lastIndex());
    if (to < from) return;
    this.applyEntries(log.slice(from, to + 1, this.d.maxApplyBytes));
  }

  /** Replaces the state with a snapshot received from the leader (already persisted). */
  async installSnapshot(s: Snapshot): Promise<void> {
    const { kv, transport } = this.d;
    const parts = splitSnapshot(s.data);
    if (kv.extension !== null && parts.extension !== null) await kv.extension.restore(s.metadata.index, parts.extension);
    kv.restore(s.metadata.index, parts.kv);
    this.d.waiters.skippedTo(s.metadata.index);
    const ids = new Set([...s.metadata.confState.voters, ...s.metadata.confState.learners]);
    for (const m of kv.memberList()) if (ids.has(m.id)) transport.setPeer(m.id, m.raftAddr);
    for (const id of transport.peerIds()) if (!ids.has(id)) transport.removePeer(id);
    // A joining node may get a snapshot from before its own addition: not a removal.
    if (ids.has(this.d.selfId)) this.removed = false;
    this.d.reads.onApplied();
    this.d.logger.info({ index: s.metadata.index, term: s.metadata.term, bytes: s.data.byteLength }, 'installed snapshot from leader');
  }

  private membershipApplied(change: ConfChange, cs: ConfState): void {
    const { transport, selfId } = this.d;
    const isMember = cs.voters.includes(change.nodeId) || cs.learners.includes(change.nodeId);
    const address = this.d.kv.member(change.nodeId);
    if (isMember && address) transport.setPeer(change.nodeId, address.raftAddr);
    if (isMember && change.nodeId === selfId) this.removed = false;
    if (!isMember) {
      transport.removePeer(change.nodeId);
      if (change.nodeId === selfId) {
        this.removed = true;
        this.d.logger.warn('this node was removed from the cluster');
      }
    }
    this.d.logger.info({ change: { type: change.type, nodeId: change.nodeId }, voters: cs.voters, learners: cs.learners }, 'membership changed');
  }
}

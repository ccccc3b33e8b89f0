/**
 * The replicated key-value state machine. Apply is deterministic: the same log gives the same
 * state on every replica. A key's `revision` is the Raft index of the entry that last wrote it.
 * Member addresses are part of the state so snapshots carry them to new and lagging nodes.
 */
import { type ConfChange, ConfChangeType, type ConfState, type NodeId } from '@konsortium/raft';
import { decodeCommand, OP_PUT } from './command.js';
import { decodeMemberContext, type Member, type MemberAddress } from './members.js';
import type { KvRecord, PutResult } from './record.js';
import type { EntryExtension } from '../ledger/raft-handle.js';
import { decodeKvSnapshot, encodeKvSnapshot, type KvSnapshotView } from './snapshot-format.js';

export type { KvRecord, PutResult } from './record.js';

export class KvStateMachine {
  private data = new Map<string, KvRecord>();
  private members = new Map<NodeId, MemberAddress>();
  /** Index of the last entry (or snapshot) applied. */
  appliedIndex = 0;
  /** A replicated service sharing this log (a channel ledger): it gets the entries it claims. */
  extension: EntryExtension | null = null;

  get(key: string): KvRecord | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }

  member(id: NodeId): MemberAddress | undefined {
    return this.members.get(id);
  }

  memberList(): Member[] {
    return [...this.members.entries()].sort((a, b) => a[0] - b[0]).map(([id, a]) => ({ id, ...a }));
  }

  /** Applies a normal entry. Returns what a put did, or null for no-ops and unknown commands. */
  applyEntry(index: number, data: Uint8Array, term = 0): PutResult | null {
    this.appliedIndex = index;
    if (data.byteLength === 0) return null; // a leader's no-op
    if (this.extension !== null && this.extension.claims(data)) {
      this.extension.applyEntry(index, term, data);
      return null;
    }
    const cmd = decodeCommand(data);
    if (cmd === null || cmd.op !== OP_PUT) return null;
    this.data.set(cmd.key, { value: cmd.value, revision: index, keyBytes: cmd.keyBytes, valueBytes: cmd.valueBytes });
    return { key: cmd.key, revision: index };
  }

  /**
   * Records a member's addresses after the core applied `change`, giving `confState`. Uses only
   * the change and the resulting configuration, so it is the same on every replica.
   */
  applyConfChange(index: number, change: ConfChange, confState: ConfState): void {
    this.appliedIndex = index;
    const id = change.nodeId;
    const isMember = confState.voters.includes(id) || confState.learners.includes(id);
    if (change.type === ConfChangeType.AddLearner || change.type === ConfChangeType.AddVoter) {
      const address = decodeMemberContext(change.context);
      if (isMember && address !== null) this.members.set(id, address);
    } else if (change.type === ConfChangeType.RemoveNode && !isMember) {
      this.members.delete(id);
    }
  }

  /** Sets members directly: bootstrapping a new cluster writes them into the first snapshot. */
  setMembers(members: readonly Member[]): void {
    this.members = new Map(members.map((m) => [m.id, { raftAddr: m.raftAddr, httpAddr: m.httpAddr }]));
  }

  /** The deterministic serialization of the whole state (see snapshot-format.ts). */
  snapshotData(): Uint8Array {
    return encodeKvSnapshot(this.snapshotView());
  }

  /** A consistent view of the state as of now, to serialize later (or in slices). */
  snapshotView(): KvSnapshotView {
    return { members: this.memberList(), records: [...this.data] };
  }

  /** Replaces the state with a snapshot's. */
  restore(index: number, snapshotData: Uint8Array): void {
    const s = decodeKvSnapshot(snapshotData);
    this.members = new Map(s.members.map((m) => [m.id, { raftAddr: m.raftAddr, httpAddr: m.httpAddr }]));
    this.data = s.data;
    this.appliedIndex = index;
  }
}

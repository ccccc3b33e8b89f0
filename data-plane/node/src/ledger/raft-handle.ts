/**
 * What a replicated service (the channel ledger) may do with the Raft group it runs on:
 * learn who leads, propose entries, and be told about applied entries and leadership changes.
 */
import type { NodeId } from '@konsortium/raft';
import type { Proposed } from '../runtime/proposals.js';

export interface RaftHandle {
  readonly selfId: NodeId;
  isLeader(): boolean;
  leaderId(): NodeId;
  /** HTTP address of a member (from the replicated membership), or null. */
  httpAddrOf(id: NodeId): string | null;
  /** Proposes entries as leader; throws NodeError NOT_LEADER / PROPOSAL_DROPPED. */
  propose(datas: readonly Uint8Array[]): Proposed;
}

/**
 * Plugged into the runtime's state machine: entries whose first byte it claims go to it, and
 * its state travels in Raft snapshots alongside the runtime's.
 */
export interface EntryExtension {
  claims(data: Uint8Array): boolean;
  /** Applies a committed entry of ours (in log order; entries already applied are skipped by the extension). */
  applyEntry(index: number, term: number, data: Uint8Array): void;
  /** Called once per applied Ready batch of entries and on leadership changes (cheap). */
  afterApply(): void;
  leadershipChanged(isLeader: boolean): void;
  /** Freezes the state as of now (synchronous) and returns a function that serializes it. */
  captureSnapshot(): () => Promise<Uint8Array>;
  /** Replaces the state with a snapshot's if it is behind `index` (restart and InstallSnapshot). */
  restore(index: number, data: Uint8Array): Promise<void>;
  /** Everything applied so far is durable. */
  flush(): Promise<void>;
}

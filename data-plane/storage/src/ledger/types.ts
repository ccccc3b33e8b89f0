/** The public shapes of the ledger store (see ledger-store.ts). */
import type { Block } from '@konsortium/protocol';
import type { SmtAddedKey } from './smt.js';

export interface LedgerHead {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly timestamp: number;
  /** The last Raft index applied: the head block's entry, or a later one given to markApplied. */
  readonly appliedIndex: number;
}

/** The state after a set of writes, computed by prepare() and consumed by commit(). */
export interface PreparedState {
  /** The state root the writes were applied to (the head's when prepared). */
  readonly baseRoot: Uint8Array;
  readonly root: Uint8Array;
  /** The writes (a private copy; null = delete). */
  readonly writes: ReadonlyMap<string, Uint8Array | null>;
  /** SMT nodes of `root` that may be new: hex hash → node. */
  readonly newNodes: ReadonlyMap<string, Uint8Array>;
  /** hex value hash → value */
  readonly values: ReadonlyMap<string, Uint8Array>;
  readonly added: readonly SmtAddedKey[];
}

export interface TxIndexEntry {
  readonly txId: Uint8Array;
  /** Position in the block. */
  readonly index: number;
  /** Its result code in the block ("OK" or the rejection). */
  readonly code: string;
  readonly sender: Uint8Array;
  readonly nonce: number;
  /** The transaction took effect, so its (sender, nonce) is now used. */
  readonly applied: boolean;
}

export interface CommitInput {
  readonly block: Block;
  readonly prepared: PreparedState;
  readonly txs: readonly TxIndexEntry[];
  /** The Raft index of the entry that produced the block. */
  readonly appliedIndex: number;
}

export interface TxLocation {
  readonly height: number;
  readonly index: number;
  readonly code: string;
}

export interface LedgerStoreOptions {
  /** The directory of this channel's LMDB environment (created when missing). */
  readonly dir: string;
  /** The channel suite's hash (whatever implementation the caller chose). */
  readonly hash: (data: Uint8Array) => Uint8Array;
  /** fsync every write transaction (default true; tests may turn it off). */
  readonly fsync?: boolean;
  /** How many SMT nodes to keep in memory (default 200 000, about 50 MB). */
  readonly nodeCacheSize?: number;
}

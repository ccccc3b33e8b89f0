/**
 * What the ledger needs from its store (storage's LedgerStore provides it; the simulator or a
 * unit test may provide another). Reads are synchronous and see every commit at once; writes
 * reach the disk later, in order, all-or-nothing per block.
 */
import type { Block } from '@konsortium/protocol';

export interface ChainHead {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly timestamp: number;
  readonly appliedIndex: number;
}

export interface PreparedRoot {
  readonly root: Uint8Array;
}

export interface CommittedTx {
  readonly txId: Uint8Array;
  readonly index: number;
  readonly code: string;
  readonly sender: Uint8Array;
  readonly nonce: number;
  /** The transaction took effect (so its nonce is now used). */
  readonly applied: boolean;
}

export interface ChainStore<P extends PreparedRoot = PreparedRoot> {
  readonly head: ChainHead | null;
  get(key: string): Uint8Array | undefined;
  prepare(writes: ReadonlyMap<string, Uint8Array | null>): P;
  commit(c: { block: Block; prepared: P; txs: readonly CommittedTx[]; appliedIndex: number }): void;
  markApplied(appliedIndex: number): void;
  txLocation(txId: Uint8Array): { height: number; index: number; code: string } | undefined;
  nonceUsed(sender: Uint8Array, nonce: number): boolean;
}

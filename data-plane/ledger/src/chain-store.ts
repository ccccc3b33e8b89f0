/**
 * What the ledger needs from its store (storage's LedgerStore provides it; the simulator or a
 * unit test may provide another). Reads are synchronous and see every commit at once; writes
 * reach the disk later, in order, all-or-nothing per block.
 */
import type { Block } from '@konsortium/protocol';
import type { LedgerHead, TxIndexEntry, TxLocation } from '@konsortium/storage';

/** The chain's head and a transaction's index entry: the store's own shapes (storage's LedgerStore). */
export type ChainHead = LedgerHead;
export type CommittedTx = TxIndexEntry;

export interface PreparedRoot {
  readonly root: Uint8Array;
}

export interface ChainStore<P extends PreparedRoot = PreparedRoot> {
  readonly head: ChainHead | null;
  get(key: string): Uint8Array | undefined;
  prepare(writes: ReadonlyMap<string, Uint8Array | null>): P;
  commit(c: { block: Block; prepared: P; txs: readonly CommittedTx[]; appliedIndex: number }): void;
  markApplied(appliedIndex: number): void;
  txLocation(txId: Uint8Array): TxLocation | undefined;
  nonceUsed(sender: Uint8Array, nonce: number): boolean;
}

/**
 * @konsortium/storage: durable storage of the Raft log and of the ledger.
 *   Wal          segmented write-ahead log (hard state, entries, snapshot markers), group commit
 *   Snapshotter  atomic, checksummed snapshot files
 *   LedgerStore  a channel's blocks, world state, sparse Merkle tree and indexes in LMDB
 * See README.md for the format, the guarantees and the fault model.
 */
export { StorageError, type StorageErrorCode } from './errors.js';
export {
  DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_SEGMENT_BYTES,
  type SaveBatch,
  Wal,
  type WalOptions,
  type WalReplay,
  type WalStats,
} from './wal.js';
export { type SnapshotFileInfo, Snapshotter, type SnapshotterOptions } from './snapshotter.js';
export { LedgerStore } from './ledger/ledger-store.js';
export { LedgerStoreError, type LedgerStoreErrorCode } from './ledger/errors.js';
export type { CommitInput, LedgerHead, LedgerStoreOptions, PreparedState, TxIndexEntry, TxLocation } from './ledger/types.js';
export { MAX_KEY_BYTES } from './ledger/state-key.js';
export { type SmtAddedKey, type SmtLookup, type SmtNodeSource, type SmtUpdate, SparseMerkleTree } from './ledger/smt.js';
export { decodeLedgerSnapshot, encodeLedgerSnapshot, type LedgerSnapshot, type SnapshotNonce, type SnapshotTx } from './ledger/snapshot-format.js';
export { ensureDir, syncDir } from './fsutil.js';

/**
 * @konsortium/storage: durable storage of the Raft log.
 *   Wal          segmented write-ahead log (hard state, entries, snapshot markers), group commit
 *   Snapshotter  atomic, checksummed snapshot files
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

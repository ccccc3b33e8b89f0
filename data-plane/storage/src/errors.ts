/**
 * Coded errors of the storage layer. `code` is stable and meant for programs (the node decides
 * whether to crash, repair or refetch a snapshot on it); `message` is for people and names the
 * file and byte offset whenever the error is about bytes on disk.
 */
export type StorageErrorCode =
  /** A record that cannot be a torn write is bad (not in the tail of the last segment). */
  | 'WAL_CORRUPT'
  /** The WAL was closed; no more saves. */
  | 'WAL_CLOSED'
  /** A write or fsync failed earlier: the file state is unknown, so the WAL refuses all work. */
  | 'WAL_FAILED'
  /** Entries would not be contiguous (on disk: corruption; on save: a caller bug). */
  | 'WAL_GAP'
  /** The directory is already open by a Wal in this process. */
  | 'WAL_LOCKED'
  /** A snapshot file failed verification. */
  | 'SNAPSHOT_CORRUPT'
  /** A record would exceed (or on disk, claims to exceed) maxRecordBytes. */
  | 'RECORD_TOO_LARGE'
  /** A caller passed values the WAL cannot store (a bug in the caller). */
  | 'INVALID_ARGUMENT';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

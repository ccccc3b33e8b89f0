/**
 * Coded errors of the ledger store. `code` is stable and meant for programs (the node decides
 * whether to stop, refetch a snapshot or report a caller bug on it); `message` is for people.
 */
export type LedgerStoreErrorCode =
  /** A disk write failed earlier: what is on disk is unknown, so the store refuses all work. */
  | 'STORE_FAILED'
  /** The store was closed. */
  | 'CLOSED'
  /** A height (or block) the store does not hold. */
  | 'NOT_FOUND'
  /** Stored bytes that do not make sense (a missing node, a head that does not match its block). */
  | 'CORRUPT'
  /** The caller passed something the store must not accept (a bug in the caller). */
  | 'INVALID_ARGUMENT'
  /** A snapshot whose content does not match the block it claims to hold. */
  | 'SNAPSHOT_MISMATCH';

export class LedgerStoreError extends Error {
  readonly code: LedgerStoreErrorCode;
  constructor(code: LedgerStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'LedgerStoreError';
    this.code = code;
  }
}

export function invalid(message: string): LedgerStoreError {
  return new LedgerStoreError('INVALID_ARGUMENT', message);
}

export function corrupt(message: string, cause?: unknown): LedgerStoreError {
  return new LedgerStoreError('CORRUPT', message, cause === undefined ? undefined : { cause });
}

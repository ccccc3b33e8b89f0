/** Coded errors of the Raft core. `code` is stable and meant for programs; `message` for people. */
export type RaftErrorCode =
  | 'PROPOSAL_DROPPED'
  | 'COMPACTED'
  | 'UNAVAILABLE'
  | 'SNAPSHOT_OUT_OF_DATE'
  | 'SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  | 'STEP_LOCAL_MSG'
  | 'STEP_PEER_NOT_FOUND'
  | 'CONF_CHANGE_REJECTED'
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'CODEC';

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  constructor(code: RaftErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'RaftError';
    this.code = code;
  }
}

/**
 * An invariant was broken: a bug, never a condition to handle. Assertions stay on in
 * production (TigerBeetle style): continuing with corrupt consensus state is worse than a crash.
 */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === 'string' ? message : message());
}

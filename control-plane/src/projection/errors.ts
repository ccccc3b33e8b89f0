/**
 * Coded errors of the ledger-DB projection. `code` is stable and meant for programs (the HTTP
 * layer maps it to a response, a worker decides whether to retry on it); `message` is for
 * people. `httpStatus` is how an API would report it; `retryable` says whether the same call
 * may succeed later without anyone changing anything (the node came back, a race resolved).
 */
export type ProjectionErrorCode =
  /** Options or arguments outside their documented limits (bad channel name, unknown method, …). */
  | 'INVALID_ARGUMENT'
  /** No CfaOperation with that id. */
  | 'OPERATION_NOT_FOUND'
  /** A phase move that is not forward (see phases.ts); also the database trigger's refusal, translated. */
  | 'PHASE_BACKWARDS'
  /** Waiting for a phase the operation can no longer reach (it ended REJECTED, or SETTLED when waiting for REJECTED). */
  | 'PHASE_UNREACHABLE'
  /** The operation belongs to another channel than the one it is used with. */
  | 'CHANNEL_MISMATCH'
  /** Rebuilding the operation's transaction gave another id than the one stored (another key signs it?). */
  | 'TX_MISMATCH'
  /** The node could not be reached or answered 5xx/429: nothing is known about the outcome yet; retry. */
  | 'NODE_UNAVAILABLE'
  /** The node refused the caller (401/403 on a route that is not a transaction's refusal). */
  | 'NODE_REFUSED_CALLER'
  /** The node served blocks that skip heights, or the heights wanted are no longer kept. */
  | 'CHAIN_GAP'
  /** The chain no longer extends the block the projection followed: a fork or a rewritten history. */
  | 'CHAIN_FORK'
  /** A block or a state proof the node served does not verify. */
  | 'CHAIN_INVALID'
  /** The projected balances do not add up to what the chain says in total (a missed account). */
  | 'PROJECTION_INCOMPLETE'
  /** The channel has never been followed: there is nothing to audit. */
  | 'NOT_FOLLOWED'
  /** The follower is already running (start() twice) or was stopped. */
  | 'FOLLOWER_STATE'
  /** A wait for a phase ran out of time. */
  | 'TIMEOUT'
  /** The database failed (connection lost, transaction timed out): nothing was written; retry. */
  | 'DATABASE_FAILED';

const HTTP_STATUS: Record<ProjectionErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  OPERATION_NOT_FOUND: 404,
  PHASE_BACKWARDS: 409,
  PHASE_UNREACHABLE: 409,
  CHANNEL_MISMATCH: 409,
  TX_MISMATCH: 409,
  NODE_UNAVAILABLE: 503,
  NODE_REFUSED_CALLER: 502,
  CHAIN_GAP: 500,
  CHAIN_FORK: 500,
  CHAIN_INVALID: 502,
  PROJECTION_INCOMPLETE: 500,
  NOT_FOLLOWED: 409,
  FOLLOWER_STATE: 409,
  TIMEOUT: 504,
  DATABASE_FAILED: 503,
};

const RETRYABLE: ReadonlySet<ProjectionErrorCode> = new Set(['NODE_UNAVAILABLE', 'TIMEOUT', 'DATABASE_FAILED']);

export class ProjectionError extends Error {
  readonly code: ProjectionErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ProjectionErrorCode, message: string, options: { cause?: unknown; details?: Readonly<Record<string, unknown>> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProjectionError';
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
    this.retryable = RETRYABLE.has(code);
    this.details = options.details;
  }
}

export function isProjectionError(err: unknown, code?: ProjectionErrorCode): err is ProjectionError {
  return err instanceof ProjectionError && (code === undefined || err.code === code);
}

/** The message prefix of the cfa_operations trigger (migration 20261122050500_platform). */
export const TRIGGER_PHASE_BACKWARDS = 'PHASE_BACKWARDS';

/**
 * The trigger's refusal, wherever the driver adapter put it: Prisma surfaces it as a raw
 * DriverAdapterError (model queries) or as P2010 with the PostgreSQL message in `meta` (raw
 * queries). Looks through messages, causes and meta, a few levels deep.
 */
function triggerMessage(err: unknown, depth = 0): string | null {
  if (depth > 5 || err === null || typeof err !== 'object') return null;
  const o = err as Record<string, unknown>;
  for (const k of ['message', 'originalMessage']) {
    const v = o[k];
    if (typeof v === 'string') {
      const at = v.indexOf(`${TRIGGER_PHASE_BACKWARDS}:`);
      if (at >= 0) return v.slice(at).split('\n')[0]!.replace(/`+$/, '');
    }
  }
  for (const k of ['cause', 'meta', 'driverAdapterError']) {
    const found = triggerMessage(o[k], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A database error translated: the phase trigger's check_violation becomes a
 * ProjectionError PHASE_BACKWARDS; anything else is returned unchanged.
 */
export function translateDbError(err: unknown): unknown {
  if (err instanceof ProjectionError) return err;
  const m = triggerMessage(err);
  return m === null ? err : new ProjectionError('PHASE_BACKWARDS', `the database refused a backward phase move (${m})`, { cause: err });
}

/** Runs a database call, translating its errors (see translateDbError). */
export async function withDbErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw translateDbError(err);
  }
}

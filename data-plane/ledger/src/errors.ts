/**
 * Why a transaction was refused. The same codes are used before ordering (the node answers the
 * submitter with them, nothing is ordered) and in execution (the code is the transaction's
 * result in its block, nothing of it applied). Contracts add their own codes (ContractError).
 */
export type LedgerErrorCode =
  | 'MALFORMED'
  | 'TOO_LARGE'
  | 'WRONG_CHANNEL'
  | 'WRONG_SUITE'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_SENDER'
  | 'SENDER_SUSPENDED'
  | 'NONCE_REPLAYED'
  | 'UNKNOWN_CONTRACT'
  | 'UNKNOWN_METHOD'
  | 'INVALID_ARGS'
  | 'FORBIDDEN'
  | 'CONTRACT_FAILED'
  | 'LEDGER_FAILED';

export class LedgerError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: LedgerErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LedgerError';
    this.code = code;
    this.details = details;
  }
}

/** Thrown by contracts: `code` (UPPER_SNAKE) becomes the transaction's result. */
export class ContractError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) throw new Error(`invalid contract error code "${code}"`);
    this.name = 'ContractError';
    this.code = code;
    this.details = details;
  }
}

/** Invariant check: a false condition is a bug, never a user error. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`ledger invariant violated: ${message}`);
}

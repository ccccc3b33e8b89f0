/**
 * What can go wrong when talking to a node, as classes a caller can tell apart:
 *
 *   KonsortiumApiError          the node answered with an error (4xx/5xx): `status`, `code`
 *   KonsortiumNetworkError      no usable answer: connection refused or reset, DNS, a dropped stream
 *   KonsortiumTimeoutError      (a network error) no answer within the time allowed
 *   KonsortiumResponseError     an answer that is not the API (not JSON, missing fields, wrong tx id)
 *   KonsortiumVerificationError a proof or block that does not verify
 *   KonsortiumTxRejectedError   waited for "committed", the transaction was rejected instead
 *
 * An abort through the caller's AbortSignal is not wrapped: the call rejects with the signal's
 * reason (a DOMException named "AbortError" unless the caller gave another), as fetch does.
 */
import type { TxStatus } from './types.js';

/** Base class of every error this SDK throws on its own account. */
export class KonsortiumError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KonsortiumError';
  }
}

/** The node refused the request: HTTP status and the stable error code of the API. */
export class KonsortiumApiError extends KonsortiumError {
  readonly status: number;
  /** e.g. MALFORMED, BAD_SIGNATURE, NONCE_REPLAYED, NOT_FOUND; `HTTP_<status>` when the body had none. */
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(status: number, code: string, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = 'KonsortiumApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The request did not get an answer (or a stream broke). Every route is safe to retry. */
export class KonsortiumNetworkError extends KonsortiumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KonsortiumNetworkError';
  }
}

/** No answer (or no outcome, for waits) within `timeoutMs`. */
export class KonsortiumTimeoutError extends KonsortiumNetworkError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.name = 'KonsortiumTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The node answered 2xx with something that is not what the API promises. */
export class KonsortiumResponseError extends KonsortiumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KonsortiumResponseError';
  }
}

/** A proof, header or block served by a node failed verification. */
export class KonsortiumVerificationError extends KonsortiumError {
  constructor(message: string) {
    super(message);
    this.name = 'KonsortiumVerificationError';
  }
}

/** waitForStatus(..., { until: 'committed' }) saw the transaction rejected (a final state). */
export class KonsortiumTxRejectedError extends KonsortiumError {
  readonly txStatus: TxStatus;

  constructor(txStatus: TxStatus) {
    super(`transaction ${txStatus.txId} was rejected${txStatus.code === undefined ? '' : ` (${txStatus.code}${txStatus.message === undefined ? '' : `: ${txStatus.message}`})`}`);
    this.name = 'KonsortiumTxRejectedError';
    this.txStatus = txStatus;
  }
}

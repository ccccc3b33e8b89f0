/**
 * The node API's JSON shapes (v1). Hashes, keys and encoded blocks are lower-case hex strings,
 * as in protocol's JSON proofs. The readers that check responses against them are in read.ts.
 */
import type { StateProofJson, SuiteId, TxProofJson } from '@konsortium/protocol';

/** Where a transaction is: it only moves forward, received → ordered → committed | rejected. */
export type TxStatusName = 'received' | 'ordered' | 'committed' | 'rejected';
export const TX_STATUS_NAMES: readonly TxStatusName[] = ['received', 'ordered', 'committed', 'rejected'];

export interface TxStatus {
  readonly txId: string;
  readonly status: TxStatusName;
  /** For a rejected transaction: the error code (execution error when it was ordered). */
  readonly code?: string;
  readonly message?: string;
  /** Block height and position, once the transaction is in a block (committed or rejected). */
  readonly height?: number;
  readonly index?: number;
}

export interface SubmitResult {
  readonly txId: string;
  readonly status: TxStatusName;
  /** true when the node already knew the transaction (HTTP 200 instead of 202): idempotent resubmission. */
  readonly alreadyKnown: boolean;
}

export interface ChannelInfo {
  readonly name: string;
  readonly suite: SuiteId;
  readonly height: number;
}

export interface ChainHead {
  readonly height: number;
  readonly hash: string;
  readonly stateRoot: string;
  readonly timestamp: number;
}

/** A block as served: `header` is the encoded header, `block` the whole encodeBlock output. */
export interface BlockRecord {
  readonly height: number;
  readonly hash: string;
  readonly header: string;
  readonly block: string;
}

export interface NodeKey {
  readonly nodeId: number;
  readonly publicKey: string;
}

/** One `block` event of the event stream. `code` is "OK" or the error that rejected the tx. */
export interface BlockEvent {
  readonly height: number;
  readonly hash: string;
  readonly txs: readonly { readonly txId: string; readonly code: string }[];
}

export type { StateProofJson, TxProofJson };

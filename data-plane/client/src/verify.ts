/**
 * Offline checks of what a node serves, thin over protocol's verifyTxProof / verifyStateProof:
 * they return what the proof establishes (the anchoring header, its hash, the outcome or the
 * value) or null when it does not hold. A proof shows inclusion under a block header; whether
 * that header is the real chain's is a separate question, answered by a trusted header hash
 * (see `headerMatches`) or by verifyChain and node signatures.
 */
import {
  type BlockHeader,
  blockHashOf,
  bytesEqual,
  type CryptoSuite,
  encodeBlockHeader,
  fromHex,
  type StateProofJson,
  type SuiteId,
  suiteById,
  toHex,
  type TxProofJson,
  verifyStateProof,
  verifyTxProof,
} from '@konsortium/protocol';

export interface VerifiedTxInclusion {
  readonly txId: string;
  /** "OK" when the transaction applied, else the code that rejected it (it is still recorded). */
  readonly code: string;
  readonly committed: boolean;
  readonly height: number;
  readonly index: number;
  readonly header: BlockHeader;
  /** Hash of `header` (hex): the block this proof is anchored in. */
  readonly blockHash: string;
}

export interface VerifiedStateEntry {
  readonly key: string;
  /** The value right after block `height`, or null when the proof shows the key absent. */
  readonly value: Uint8Array | null;
  readonly height: number;
  readonly header: BlockHeader;
  readonly blockHash: string;
}

/** Something that names a trusted block: its hash (hex or bytes) or its decoded header. */
export type TrustedHeader = string | Uint8Array | BlockHeader;

function suiteOf(suite: SuiteId | CryptoSuite): CryptoSuite {
  return typeof suite === 'string' ? suiteById(suite) : suite;
}

/** The block hash of a header, as the chain computes it. */
export function headerHash(suite: SuiteId | CryptoSuite, header: BlockHeader): Uint8Array {
  const s = suiteOf(suite);
  return blockHashOf((d) => s.hash(d), encodeBlockHeader(header));
}

/** Whether `header` is the trusted block (same hash). */
export function headerMatches(suite: SuiteId | CryptoSuite, header: BlockHeader, trusted: TrustedHeader): boolean {
  const hash = headerHash(suite, header);
  if (typeof trusted === 'string') return /^[0-9a-f]{64}$/.test(trusted) && bytesEqual(hash, fromHex(trusted));
  if (trusted instanceof Uint8Array) return bytesEqual(hash, trusted);
  return bytesEqual(hash, headerHash(suite, trusted));
}

/** Checks that the transaction is in the proof's block, at `index`, with outcome `code`. */
export function verifyTxInclusion(suite: SuiteId | CryptoSuite, proof: TxProofJson): VerifiedTxInclusion | null {
  const s = suiteOf(suite);
  const verified = verifyTxProof(s, proof);
  if (verified === null) return null;
  return {
    txId: proof.txId,
    code: verified.code,
    committed: verified.code === 'OK',
    height: verified.header.height,
    index: proof.index,
    header: verified.header,
    blockHash: toHex(headerHash(s, verified.header)),
  };
}

/** Checks that `proof.key` held `proof.value` (or nothing) in the state after the proof's block. */
export function verifyStateEntry(suite: SuiteId | CryptoSuite, proof: StateProofJson): VerifiedStateEntry | null {
  const s = suiteOf(suite);
  const header = verifyStateProof(s, proof);
  if (header === null) return null;
  return {
    key: proof.key,
    value: proof.value === null ? null : fromHex(proof.value),
    height: header.height,
    header,
    blockHash: toHex(headerHash(s, header)),
  };
}

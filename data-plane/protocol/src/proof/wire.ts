/**
 * Proofs as the node API serves them (JSON, bytes in lower-case hex), and their checks. A
 * client that trusts a block header (it verified the chain or the node signatures) can check,
 * offline, that a transaction is in that block with its outcome, or that a state key held a
 * value (or nothing) right after that block.
 */
import { fromHex } from '../codec/hex.js';
import { ProtocolError } from '../codec/errors.js';
import { utf8 } from '../codec/bytes.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { type BlockHeader, decodeBlockHeader, isResultCode, txLeafHash } from '../ledger/block.js';
import { verifyMerkleInclusion } from './merkle.js';
import { type SmtProof, verifySmtProof } from './smt.js';

export interface TxProofJson {
  readonly txId: string;
  readonly code: string;
  readonly height: number;
  /** Encoded header of the block (hex), whose tx root the path leads to. */
  readonly header: string;
  readonly index: number;
  readonly path: readonly string[];
}

export interface StateProofJson {
  readonly key: string;
  /** Value bytes in hex, or null when the key is absent. */
  readonly value: string | null;
  readonly height: number;
  readonly header: string;
  readonly siblings: readonly string[];
  readonly terminal: { readonly kind: 'empty' } | { readonly kind: 'leaf'; readonly path: string; readonly valueHash: string };
}

export interface VerifiedTx {
  readonly header: BlockHeader;
  readonly code: string;
}

/** Returns the block header the proof is anchored in when it holds, else null. */
export function verifyTxProof(suite: CryptoSuite, p: TxProofJson): VerifiedTx | null {
  try {
    const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
    if (typeof p.code !== 'string' || !isResultCode(p.code)) return null;
    const header = decodeBlockHeader(fromHex(p.header));
    if (header.height !== p.height || header.suite !== suite.id) return null;
    const leaf = txLeafHash(hash, fromHex(p.txId, 32), p.code);
    const ok = verifyMerkleInclusion(hash, leaf, p.index, header.txCount, p.path.map((s) => fromHex(s, 32)), header.txRoot);
    return ok ? { header, code: p.code } : null;
  } catch {
    return null;
  }
}

export function stateProofFromJson(p: StateProofJson): SmtProof {
  const t = p.terminal;
  const kind: string = t.kind;
  if (kind !== 'empty' && kind !== 'leaf') throw new ProtocolError('MALFORMED', `unknown terminal kind "${kind}"`);
  return {
    siblings: p.siblings.map((s) => fromHex(s, 32)),
    terminal: t.kind === 'empty' ? { kind: 'empty' } : { kind: 'leaf', path: fromHex(t.path, 32), valueHash: fromHex(t.valueHash, 32) },
  };
}

/** Returns the anchoring header when the proof holds, else null. */
export function verifyStateProof(suite: CryptoSuite, p: StateProofJson): BlockHeader | null {
  try {
    const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
    if (typeof p.key !== 'string') return null;
    const header = decodeBlockHeader(fromHex(p.header));
    if (header.height !== p.height || header.suite !== suite.id) return null;
    const value = p.value === null ? null : fromHex(p.value);
    return verifySmtProof(hash, header.stateRoot, utf8(p.key), value, stateProofFromJson(p)) ? header : null;
  } catch {
    return null;
  }
}

/**
 * Checking blocks and chains without trusting whoever served them: what the offline verifier,
 * the client SDK and the auditor's browser view all run. Each check returns a problem (a code
 * and a sentence) or null; nothing here throws on bad data.
 */
import { bytesEqual, toHex } from '../codec/hex.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { decodeTx } from '../tx/envelope.js';
import { type Block, blockHashOf, isResultCode, txRootOf, ZERO_HASH } from './block.js';

export type ChainProblemCode =
  | 'HEADER_HASH' // the stored hash is not the hash of the header
  | 'TX_ROOT' // transactions or their results do not match the header's Merkle root
  | 'TX_COUNT'
  | 'TX_MALFORMED'
  | 'PREV_HASH' // the block does not link to its predecessor
  | 'HEIGHT' // heights are not consecutive
  | 'TIMESTAMP' // time went backwards
  | 'CHANNEL' // a block of another channel or suite
  | 'SIGNATURE' // a node signature does not verify
  | 'UNKNOWN_SIGNER' // signed by a node whose key is not known
  | 'UNSIGNED' // fewer node signatures than required
  | 'TX_SIGNATURE' // a transaction recorded as authorised does not carry a valid signature
  | 'UNREADABLE' // a stored block does not decode
  | 'STATE_ROOT'; // the stored world state does not hash to the head's state root

export interface ChainProblem {
  readonly code: ChainProblemCode;
  readonly height: number;
  readonly message: string;
}

export interface ContentCheckOptions {
  /** A hash recorded elsewhere for the block (e.g. an index), to compare. */
  readonly storedHash?: Uint8Array;
  /**
   * Also verify every transaction's signature (costly). The tx root commits to transaction
   * ids, which leave the signature out, so only this catches a damaged signature. A
   * transaction recorded as BAD_SIGNATURE is expected to fail.
   */
  readonly txSignatures?: boolean;
}

/** Recomputes the tx root from the envelopes and result codes (and optionally checks every signature). */
export function checkBlockContents(suite: CryptoSuite, block: Block, options: ContentCheckOptions = {}): ChainProblem | null {
  const storedHash = options.storedHash;
  const height = block.header.height;
  const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
  const recomputed = blockHashOf(hash, block.headerBytes);
  if (!bytesEqual(recomputed, block.hash) || (storedHash !== undefined && !bytesEqual(recomputed, storedHash))) {
    return { code: 'HEADER_HASH', height, message: `block ${height}: header hashes to ${toHex(recomputed)}, recorded ${toHex(storedHash ?? block.hash)}` };
  }
  if (block.header.suite !== suite.id) return { code: 'CHANNEL', height, message: `block ${height} is of suite ${block.header.suite}, expected ${suite.id}` };
  if (block.txs.length !== block.header.txCount || block.results.length !== block.header.txCount) {
    return { code: 'TX_COUNT', height, message: `block ${height}: header says ${block.header.txCount} transactions, body has ${block.txs.length}` };
  }
  const badCode = block.results.findIndex((c) => typeof c !== 'string' || !isResultCode(c));
  if (badCode >= 0) return { code: 'TX_MALFORMED', height, message: `block ${height}: result ${badCode} is not a result code` };
  const ids: Uint8Array[] = [];
  for (let i = 0; i < block.txs.length; i++) {
    try {
      const tx = decodeTx(block.txs[i]!, { suite, maxBytes: Number.MAX_SAFE_INTEGER });
      if (tx.channel !== block.header.channel) return { code: 'CHANNEL', height, message: `block ${height}: transaction ${i} is for channel ${tx.channel}` };
      if (options.txSignatures === true && block.results[i] !== 'BAD_SIGNATURE' && !suite.verify(tx.sender, tx.id, tx.signature)) {
        return { code: 'TX_SIGNATURE', height, message: `block ${height}: transaction ${i} (${toHex(tx.id)}) is recorded as ${block.results[i]} but its signature does not verify` };
      }
      ids.push(tx.id);
    } catch (err) {
      return { code: 'TX_MALFORMED', height, message: `block ${height}: transaction ${i} does not decode: ${(err as Error).message}` };
    }
  }
  const root = txRootOf(hash, ids, block.results);
  if (!bytesEqual(root, block.header.txRoot)) {
    return { code: 'TX_ROOT', height, message: `block ${height}: transactions give root ${toHex(root)}, header holds ${toHex(block.header.txRoot)}` };
  }
  return null;
}

/** `next` follows `prev` (or is a genesis block when prev is null). */
export function checkLink(prev: Block | null, next: Block): ChainProblem | null {
  const h = next.header;
  if (prev === null) {
    if (h.height !== 0 || !bytesEqual(h.prevHash, ZERO_HASH)) return { code: 'PREV_HASH', height: h.height, message: 'the first block is not a genesis block' };
    return null;
  }
  if (h.height !== prev.header.height + 1) return { code: 'HEIGHT', height: h.height, message: `block ${h.height} follows block ${prev.header.height}` };
  if (h.channel !== prev.header.channel || h.suite !== prev.header.suite) return { code: 'CHANNEL', height: h.height, message: `block ${h.height} changes channel or suite` };
  if (!bytesEqual(h.prevHash, prev.hash)) {
    return { code: 'PREV_HASH', height: h.height, message: `block ${h.height} links to ${toHex(h.prevHash)}, but block ${prev.header.height} hashes to ${toHex(prev.hash)}` };
  }
  if (h.timestamp < prev.header.timestamp) return { code: 'TIMESTAMP', height: h.height, message: `block ${h.height} is older than its predecessor` };
  return null;
}

/**
 * Node signatures over the block hash. Every attached signature must verify under the known
 * key of its node, and at least `minSignatures` distinct known nodes must have signed.
 */
export function checkSignatures(suite: CryptoSuite, block: Block, nodeKeys: ReadonlyMap<number, Uint8Array>, minSignatures = 1): ChainProblem | null {
  const height = block.header.height;
  const signed = new Set<number>();
  for (const s of block.signatures) {
    const key = nodeKeys.get(s.nodeId);
    if (key === undefined) return { code: 'UNKNOWN_SIGNER', height, message: `block ${height} is signed by node ${s.nodeId}, whose key is unknown` };
    if (!suite.verify(key, block.hash, s.signature)) return { code: 'SIGNATURE', height, message: `block ${height}: the signature of node ${s.nodeId} does not verify` };
    signed.add(s.nodeId);
  }
  if (signed.size < minSignatures) return { code: 'UNSIGNED', height, message: `block ${height} has ${signed.size} node signatures, ${minSignatures} required` };
  return null;
}

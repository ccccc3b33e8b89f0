/**
 * Blocks. A block is the outcome of executing one committed batch; its header commits to the
 * previous block, the transactions with their outcomes (Merkle root) and the world state after
 * them (sparse Merkle root):
 *
 *   header  u8 version (1) | u8 suite | str8 channel | u64 height | 32 prev hash | 32 tx root
 *           | 32 state root | u64 timestamp | u32 proposer | u32 tx count
 *   hash    H("konsortium:block:v1" ‖ header)
 *   tx leaf H(0x00 ‖ tx id ‖ str8 result code)     (RFC 9162 leaf of the tx root)
 *
 * A stored block adds the envelopes, their result codes and node signatures over the hash:
 *   block   bytes32 header | u32 n | n × bytes32 envelope | n × str8 code | u8 s | s × (u32 node, bytes8 sig)
 * Signatures are outside the hash: each node signs the hash with its node key and any number of
 * them may be attached without changing the block's identity.
 *
 * Height 0 is the genesis block: no transactions, prev hash all zeros, the state root of the
 * channel's genesis state.
 */
import { ByteReader, ByteWriter, utf8 } from '../codec/bytes.js';
import { malformed, ProtocolError } from '../codec/errors.js';
import { concatBytes } from '../codec/hex.js';
import type { CryptoSuite, SuiteId } from '../crypto/suite.js';
import { merkleLeafHash, merkleRoot, type HashFn } from '../proof/merkle.js';
import { isChannelName } from '../tx/envelope.js';
import { suiteCode, suiteOfCode } from '../crypto/suites.js';

export const BLOCK_VERSION = 1;
export const HASH_BYTES = 32;
export const ZERO_HASH = new Uint8Array(HASH_BYTES);
export const RESULT_OK = 'OK';
const BLOCK_DOMAIN = utf8('konsortium:block:v1');
const CODE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

export interface BlockHeader {
  readonly suite: SuiteId;
  readonly channel: string;
  readonly height: number;
  readonly prevHash: Uint8Array;
  readonly txRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly timestamp: number;
  readonly proposer: number;
  readonly txCount: number;
}

export interface NodeSignature {
  readonly nodeId: number;
  readonly signature: Uint8Array;
}

export interface Block {
  readonly header: BlockHeader;
  /** The encoded header, exactly as hashed. */
  readonly headerBytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly txs: readonly Uint8Array[];
  /** One per transaction: "OK" or the error code that rejected it (nothing of it applied). */
  readonly results: readonly string[];
  readonly signatures: readonly NodeSignature[];
}

export function isResultCode(code: string): boolean {
  return CODE_RE.test(code);
}

export function encodeBlockHeader(h: BlockHeader): Uint8Array {
  if (!isChannelName(h.channel)) throw new ProtocolError('INVALID_FIELD', `invalid channel "${h.channel}"`);
  return new ByteWriter(160)
    .u8(BLOCK_VERSION)
    .u8(suiteCode(h.suite))
    .str8(h.channel)
    .u64(h.height)
    .fixed(h.prevHash, HASH_BYTES)
    .fixed(h.txRoot, HASH_BYTES)
    .fixed(h.stateRoot, HASH_BYTES)
    .u64(h.timestamp)
    .u32(h.proposer)
    .u32(h.txCount)
    .finish();
}

export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  const r = new ByteReader(bytes);
  const version = r.u8('version');
  if (version !== BLOCK_VERSION) throw malformed(`unknown block version ${version}`);
  const suite = suiteOfCode(r.u8('suite'));
  if (suite === undefined) throw malformed('unknown suite code');
  const channel = r.str8('channel');
  if (!isChannelName(channel)) throw malformed(`invalid channel "${channel}"`);
  const height = r.u64('height');
  const prevHash = Uint8Array.from(r.raw(HASH_BYTES, 'prev hash'));
  const txRoot = Uint8Array.from(r.raw(HASH_BYTES, 'tx root'));
  const stateRoot = Uint8Array.from(r.raw(HASH_BYTES, 'state root'));
  const timestamp = r.u64('timestamp');
  const proposer = r.u32('proposer');
  const txCount = r.u32('tx count');
  r.end('block header');
  return { suite, channel, height, prevHash, txRoot, stateRoot, timestamp, proposer, txCount };
}

export function blockHashOf(hash: HashFn, headerBytes: Uint8Array): Uint8Array {
  return hash(concatBytes(BLOCK_DOMAIN, headerBytes));
}

/** The Merkle leaf of a transaction in its block: its id and its outcome. */
export function txLeafData(txId: Uint8Array, code: string): Uint8Array {
  return new ByteWriter(HASH_BYTES + 2 + code.length).fixed(txId, HASH_BYTES).str8(code).finish();
}

export function txLeafHash(hash: HashFn, txId: Uint8Array, code: string): Uint8Array {
  return merkleLeafHash(hash, txLeafData(txId, code));
}

export function txRootOf(hash: HashFn, txIds: readonly Uint8Array[], codes: readonly string[]): Uint8Array {
  if (txIds.length !== codes.length) throw new RangeError('one result code per transaction');
  return merkleRoot(
    hash,
    txIds.map((id, i) => txLeafHash(hash, id, codes[i]!)),
  );
}

/** Assembles a block from its parts (hashing the header). */
export function makeBlock(suite: CryptoSuite, header: BlockHeader, txs: readonly Uint8Array[], results: readonly string[], signatures: readonly NodeSignature[] = []): Block {
  if (txs.length !== header.txCount || results.length !== header.txCount) throw new RangeError('tx count does not match the header');
  const headerBytes = encodeBlockHeader(header);
  return { header, headerBytes, hash: blockHashOf((d) => suite.hash(d), headerBytes), txs, results, signatures };
}

export function encodeBlock(b: Block): Uint8Array {
  if (b.txs.length !== b.header.txCount || b.results.length !== b.header.txCount) {
    throw new ProtocolError('INVALID_FIELD', `block of ${b.header.txCount} transactions has ${b.txs.length} envelopes and ${b.results.length} results`);
  }
  let size = 16 + b.headerBytes.length;
  for (const t of b.txs) size += 4 + t.length + 66;
  const w = new ByteWriter(size).bytes32(b.headerBytes).u32(b.txs.length);
  for (const t of b.txs) w.bytes32(t);
  for (const c of b.results) {
    if (!isResultCode(c)) throw new ProtocolError('INVALID_FIELD', `invalid result code "${c}"`);
    w.str8(c);
  }
  w.u8(b.signatures.length);
  for (const s of b.signatures) w.u32(s.nodeId).bytes8(s.signature);
  return w.finish();
}

/** Strict decoding; recomputes the hash from the header bytes (it is never trusted from storage). */
export function decodeBlock(hash: HashFn, bytes: Uint8Array): Block {
  const r = new ByteReader(bytes);
  const headerBytes = Uint8Array.from(r.bytes32('header'));
  const header = decodeBlockHeader(headerBytes);
  const n = r.u32('tx count');
  if (n !== header.txCount) throw malformed(`block holds ${n} transactions, its header says ${header.txCount}`);
  if (n > r.remaining / 4) throw malformed('tx count larger than the block');
  const txs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) txs.push(Uint8Array.from(r.bytes32('transaction')));
  const results: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = r.str8('result code');
    if (!isResultCode(c)) throw malformed(`invalid result code "${c}"`);
    results.push(c);
  }
  const s = r.u8('signature count');
  const signatures: NodeSignature[] = [];
  for (let i = 0; i < s; i++) signatures.push({ nodeId: r.u32('node id'), signature: Uint8Array.from(r.bytes8('signature')) });
  r.end('block');
  return { header, headerBytes, hash: blockHashOf(hash, headerBytes), txs, results, signatures };
}

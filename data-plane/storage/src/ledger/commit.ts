/**
 * Turns a commit (or a markApplied) into the one pending write that carries everything it
 * changes, after checking the invariants the chain depends on. Nothing here touches the store:
 * a refused commit changes nothing.
 */
import { blockHashOf, bytesEqual, encodeBlock, encodeBlockHeader, type HashFn, SMT_EMPTY, ZERO_HASH } from '@konsortium/protocol';
import { hexKey, isSafeUint } from './bytes.js';
import { invalid } from './errors.js';
import type { PendingWrite } from './overlay.js';
import { type MetaRecord, type NonceRecord, nonceKey, type TxRecord } from './records.js';
import type { CommitInput } from './types.js';

export interface CommitContext {
  readonly hash: HashFn;
  /** Is this tx id indexed already (pending or on disk)? */
  txKnown(hex: string, txId: Uint8Array): boolean;
  /** Is this nonce key used already (pending or on disk)? */
  nonceUsed(hex: string, key: Uint8Array): boolean;
}

const NO_STATE: ReadonlyMap<string, never> = new Map<string, never>();

/** `meta`: the meta record after every earlier commit. */
export function buildCommit(ctx: CommitContext, meta: MetaRecord, c: CommitInput, seq: number): PendingWrite {
  const { block, prepared } = c;
  const head = meta.head;
  const header = block.header;
  const height = header.height;
  if (head === null) {
    if (height !== 0 || !bytesEqual(header.prevHash, ZERO_HASH)) throw invalid(`the first block must be genesis (height 0, zero prev hash), got height ${height}`);
  } else {
    if (height !== head.height + 1) throw invalid(`block ${height} does not follow head ${head.height}`);
    if (!bytesEqual(header.prevHash, head.hash)) throw invalid(`block ${height}: prev hash is not the hash of block ${head.height}`);
  }
  checkApplied(meta, c.appliedIndex, head === null);
  const headRoot = head === null ? SMT_EMPTY : head.stateRoot;
  if (!bytesEqual(prepared.baseRoot, headRoot)) throw invalid(`block ${height}: the prepared state was computed on another state root than the head's`);
  if (!bytesEqual(header.stateRoot, prepared.root)) throw invalid(`block ${height}: header state root differs from the prepared root`);
  const blockBytes = checkedBlockBytes(ctx.hash, c);
  const { txIds, txs, nonces } = indexTxs(ctx, c);
  const after: MetaRecord = {
    appliedIndex: c.appliedIndex,
    lowestBlock: head === null ? height : meta.lowestBlock,
    head: { height, hash: Uint8Array.from(block.hash), stateRoot: Uint8Array.from(prepared.root), timestamp: header.timestamp },
  };
  return {
    seq,
    meta: after,
    state: prepared.writes,
    nodes: prepared.newNodes,
    values: prepared.values,
    block: { height, bytes: blockBytes, txIds },
    txs,
    nonces,
    added: prepared.added,
  };
}

/** The pending write of a Raft entry that produced no block. */
export function buildMarkApplied(meta: MetaRecord, appliedIndex: number, seq: number): PendingWrite {
  checkApplied(meta, appliedIndex, false);
  return {
    seq,
    meta: { ...meta, appliedIndex },
    state: NO_STATE,
    nodes: NO_STATE,
    values: NO_STATE,
    block: null,
    txs: NO_STATE,
    nonces: NO_STATE,
    added: [],
  };
}

/** Applied indexes only grow; genesis may reuse the index reached before it (0 on bootstrap). */
function checkApplied(meta: MetaRecord, appliedIndex: number, genesis: boolean): void {
  if (!isSafeUint(appliedIndex)) throw invalid(`applied index ${appliedIndex} is not a non-negative integer`);
  const ok = genesis ? appliedIndex >= meta.appliedIndex : appliedIndex > meta.appliedIndex;
  if (!ok) throw invalid(`applied index ${appliedIndex} after ${meta.appliedIndex}: not increasing`);
}

/** The stored form of the block, after checking that its hash and header bytes are its own. */
function checkedBlockBytes(hash: HashFn, c: CommitInput): Uint8Array {
  const b = c.block;
  const n = b.header.txCount;
  if (b.txs.length !== n || b.results.length !== n) throw invalid(`block ${b.header.height}: ${b.txs.length} txs and ${b.results.length} results for tx count ${n}`);
  if (c.txs.length !== n) throw invalid(`block ${b.header.height}: ${c.txs.length} tx index entries for ${n} transactions`);
  let headerBytes: Uint8Array;
  let bytes: Uint8Array;
  try {
    headerBytes = encodeBlockHeader(b.header);
    bytes = encodeBlock(b);
  } catch (e) {
    throw invalid(`block ${b.header.height} does not encode: ${(e as Error).message}`);
  }
  if (!bytesEqual(headerBytes, b.headerBytes)) throw invalid(`block ${b.header.height}: header bytes do not encode the header`);
  if (!bytesEqual(blockHashOf(hash, b.headerBytes), b.hash)) throw invalid(`block ${b.header.height}: hash is not the hash of its header`);
  return bytes;
}

function indexTxs(ctx: CommitContext, c: CommitInput): { txIds: Uint8Array; txs: Map<string, TxRecord>; nonces: Map<string, NonceRecord> } {
  const height = c.block.header.height;
  const txIds = new Uint8Array(c.txs.length * 32);
  const txs = new Map<string, TxRecord>();
  const nonces = new Map<string, NonceRecord>();
  c.txs.forEach((e, i) => {
    if (e.index !== i) throw invalid(`block ${height}: tx index entry ${i} says index ${e.index}`);
    if (e.code !== c.block.results[i]) throw invalid(`block ${height}: tx ${i} has code ${e.code} in the index, ${c.block.results[i]} in the block`);
    if (!(e.txId instanceof Uint8Array) || e.txId.length !== 32) throw invalid(`block ${height}: tx ${i}: a tx id is 32 bytes`);
    txIds.set(e.txId, i * 32);
    const id = txIds.subarray(i * 32, i * 32 + 32);
    const hex = hexKey(id);
    // A tx id keeps its first location: a repeat is a duplicate the ledger refused there.
    if (!txs.has(hex) && !ctx.txKnown(hex, id)) txs.set(hex, { height, index: i, code: e.code });
    if (!e.applied) return;
    if (!(e.sender instanceof Uint8Array) || e.sender.length === 0 || e.sender.length > 255) throw invalid(`block ${height}: tx ${i}: bad sender key`);
    if (!isSafeUint(e.nonce)) throw invalid(`block ${height}: tx ${i}: bad nonce ${e.nonce}`);
    const key = nonceKey(e.sender, e.nonce);
    const keyHex = hexKey(key);
    if (nonces.has(keyHex) || ctx.nonceUsed(keyHex, key)) throw invalid(`block ${height}: tx ${i}: nonce ${e.nonce} of sender ${hexKey(e.sender)} is already used`);
    nonces.set(keyHex, { txId: id, height });
  });
  return { txIds, txs, nonces };
}

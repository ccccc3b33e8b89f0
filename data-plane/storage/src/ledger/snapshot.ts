/**
 * Snapshot export and import for the ledger store.
 *
 * Export reads one LMDB read transaction (a consistent view even while commits continue) that
 * holds at least the head block of the moment export was called. The state is named by walking
 * that head's SMT root (immutable nodes, so later commits cannot change it) and the tx and nonce
 * indexes are filtered to that height, so the snapshot is exactly the state at that head. It
 * works in slices, yielding to the event loop every few milliseconds.
 *
 * Import decodes strictly, rebuilds the tree from the state and refuses (SNAPSHOT_MISMATCH) a
 * root or tx root that differs from the head block's, before anything is written.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Block, bytesEqual, decodeBlock, type HashFn, SMT_EMPTY, txRootOf } from '@konsortium/protocol';
import { hexKey, heightKey } from './bytes.js';
import { allData, type LedgerDbs } from './dbs.js';
import { corrupt, LedgerStoreError } from './errors.js';
import type { NodeCache } from './node-cache.js';
import { decodeNonceRecord, decodeTxRecord, encodeMeta, encodeNonceRecord, encodeTxRecord, type HeadRecord, type MetaRecord, META_HEAD_KEY, nonceKey, type NonceRecord, type TxRecord } from './records.js';
import { decodeLedgerSnapshot, SnapshotEncoder } from './snapshot-format.js';
import { SparseMerkleTree, type SmtUpdate } from './smt.js';

const SLICE_MS = 8;

/** Yields to the event loop when the current slice has run SLICE_MS. */
class Slicer {
  private since = performance.now();
  private n = 0;

  async maybeYield(): Promise<void> {
    if ((++this.n & 255) !== 0 || performance.now() - this.since < SLICE_MS) return;
    await nextTurn();
    this.since = performance.now();
  }
}

export async function exportLedgerSnapshot(d: LedgerDbs, hash: HashFn, cache: NodeCache, head: HeadRecord): Promise<Uint8Array> {
  const transaction = d.env.useReadTransaction();
  try {
    const opts = { transaction };
    const blockBytes = d.blocks.get(heightKey(head.height), opts);
    if (blockBytes === undefined) throw corrupt(`head block ${head.height} is missing`);
    const enc = new SnapshotEncoder(blockBytes);
    const tree = new SparseMerkleTree(hash, { getNode: (h) => cache.get(h) ?? d.smt.get(h, opts) });
    const slicer = new Slicer();
    for (const leaf of tree.leaves(head.stateRoot)) {
      const key = d.paths.get(leaf.path, opts);
      const value = d.values.get(leaf.valueHash, opts);
      if (key === undefined || value === undefined) throw corrupt(`state entry of path ${hexKey(leaf.path)} is missing its ${key === undefined ? 'key' : 'value'}`);
      enc.addState(key, value);
      await slicer.maybeYield();
    }
    for (const { key, value } of d.txs.getRange(opts)) {
      const t = decodeTxRecord(value);
      if (t.height <= head.height) enc.addTx({ txId: key, ...t });
      await slicer.maybeYield();
    }
    for (const { key, value } of d.nonces.getRange(opts)) {
      const n = decodeNonceRecord(value);
      if (n.height <= head.height) enc.addNonceKey(key, n.txId);
      await slicer.maybeYield();
    }
    return enc.finish(hash);
  } finally {
    transaction.done();
  }
}

/** Everything an import writes, checked. */
export interface ImportPlan {
  readonly meta: MetaRecord;
  readonly block: Block;
  readonly blockBytes: Uint8Array;
  readonly txIds: Uint8Array;
  readonly state: ReadonlyMap<string, Uint8Array>;
  readonly tree: SmtUpdate;
  readonly txs: ReadonlyMap<string, TxRecord>;
  readonly nonces: ReadonlyMap<string, NonceRecord>;
}

export function planImport(hash: HashFn, data: Uint8Array, appliedIndex: number): ImportPlan {
  const snap = decodeLedgerSnapshot(hash, data);
  let block: Block;
  try {
    block = decodeBlock(hash, snap.block);
  } catch (e) {
    throw corrupt(`ledger snapshot: head block: ${(e as Error).message}`, e);
  }
  const height = block.header.height;
  const state = new Map(snap.state.map((e) => [e.key, e.value]));
  // Built from EMPTY, the update never reads a node: the source is never asked.
  const tree = new SparseMerkleTree(hash, { getNode: () => undefined }).update(SMT_EMPTY, state);
  if (!bytesEqual(tree.root, block.header.stateRoot)) throw mismatch(`state root of the snapshot's state differs from block ${height}'s`);
  const txs = new Map<string, TxRecord>();
  const headIds: Uint8Array[] = [];
  for (const t of snap.txs) {
    if (t.height > height) throw mismatch(`tx ${hexKey(t.txId)} at height ${t.height} above the head ${height}`);
    txs.set(hexKey(t.txId), { height: t.height, index: t.index, code: t.code });
    if (t.height !== height) continue;
    if (t.index >= block.header.txCount || headIds[t.index] !== undefined || t.code !== block.results[t.index]) throw mismatch(`tx ${hexKey(t.txId)} does not match block ${height}`);
    headIds[t.index] = t.txId;
  }
  let complete = headIds.length === block.header.txCount;
  for (let i = 0; complete && i < headIds.length; i++) complete = headIds[i] !== undefined; // `every` skips holes
  if (!complete || !bytesEqual(txRootOf(hash, headIds, block.results), block.header.txRoot)) throw mismatch(`tx index does not hold block ${height}'s transactions`);
  const nonces = new Map<string, NonceRecord>();
  for (const n of snap.nonces) {
    const t = txs.get(hexKey(n.txId));
    if (t === undefined) throw mismatch(`nonce ${n.nonce} of ${hexKey(n.sender)} names a tx the index does not hold`);
    nonces.set(hexKey(nonceKey(n.sender, n.nonce)), { txId: n.txId, height: t.height });
  }
  const txIds = new Uint8Array(headIds.length * 32);
  headIds.forEach((id, i) => txIds.set(id, i * 32));
  const head = { height, hash: Uint8Array.from(block.hash), stateRoot: Uint8Array.from(block.header.stateRoot), timestamp: block.header.timestamp };
  return { meta: { appliedIndex, lowestBlock: height, head }, block, blockBytes: snap.block, txIds, state, tree, txs, nonces };
}

/** Replaces every sub-database's content with the plan, in one transaction; resolves when durable. */
export function writeImport(d: LedgerDbs, p: ImportPlan): Promise<boolean> {
  const utf8 = new TextEncoder();
  return d.env.batch(() => {
    for (const db of allData(d)) void db.clearAsync();
    for (const [key, value] of p.state) void d.state.put(utf8.encode(key), value);
    for (const [hash, node] of p.tree.newNodes) void d.smt.put(Buffer.from(hash, 'hex'), node);
    for (const [hash, value] of p.tree.values) void d.values.put(Buffer.from(hash, 'hex'), value);
    for (const a of p.tree.added) void d.paths.put(a.path, a.key);
    void d.blocks.put(heightKey(p.block.header.height), p.blockBytes);
    void d.blockTxIds.put(heightKey(p.block.header.height), p.txIds);
    for (const [id, t] of p.txs) void d.txs.put(Buffer.from(id, 'hex'), encodeTxRecord(t));
    for (const [key, n] of p.nonces) void d.nonces.put(Buffer.from(key, 'hex'), encodeNonceRecord(n));
    void d.meta.put(META_HEAD_KEY, encodeMeta(p.meta));
  });
}

function mismatch(message: string): LedgerStoreError {
  return new LedgerStoreError('SNAPSHOT_MISMATCH', message);
}

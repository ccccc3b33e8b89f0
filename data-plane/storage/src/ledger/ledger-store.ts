/**
 * LedgerStore: the durable store of one channel's ledger (blocks, world state, its sparse Merkle
 * tree, tx and nonce indexes) in one LMDB environment.
 *
 * Writes: each commit (or markApplied) becomes one pending write that is visible to reads at
 * once (the in-memory overlay) and queued as one LMDB write transaction; transactions run in
 * commit order, and a write leaves the overlay when its transaction is durable. So reads are
 * synchronous and never wait for the disk, and after a crash the disk holds a prefix of the
 * commits, each whole. A failed write poisons the store (STORE_FAILED): what is on disk is then
 * unknown to this process, and the node should restart from the disk.
 *
 * Reads: overlay first, then LMDB. SMT nodes also pass through a bounded in-memory cache. State
 * at a past height is read through that block's state root (nodes and values are immutable and
 * never deleted).
 */
import path from 'node:path';
import { type Block, fromUtf8, type HashFn, SMT_EMPTY, type StateProofJson, type TxProofJson } from '@konsortium/protocol';
import { heightKey, hexKey, isSafeUint, plain } from './bytes.js';
import { buildCommit, buildMarkApplied, type CommitContext } from './commit.js';
import { type LedgerDbs, openLedgerDbs } from './dbs.js';
import { corrupt, invalid, LedgerStoreError } from './errors.js';
import { NodeCache } from './node-cache.js';
import { SMT_NODE_BYTES } from './node-slab.js';
import { decodeStoredBlock, headerBytesOf, readCheckedMeta } from './open-check.js';
import { Overlay, type PendingWrite } from './overlay.js';
import { stateProofJson, txProofJson } from './proofs.js';
import { decodeTxRecord, type MetaRecord, nonceKey, splitTxIds } from './records.js';
import { SparseMerkleTree } from './smt.js';
import { exportLedgerSnapshot, planImport, writeImport } from './snapshot.js';
import { checkKey, MAX_KEY_BYTES } from './state-key.js';
import type { CommitInput, LedgerHead, LedgerStoreOptions, PreparedState, TxLocation } from './types.js';
import { writePending } from './write.js';

const DEFAULT_NODE_CACHE = 200_000;
const utf8 = new TextEncoder();

export class LedgerStore {
  /** Directories open in this process: two stores on one environment would break every invariant. */
  private static readonly openDirs = new Set<string>();

  private readonly tree: SparseMerkleTree;
  private readonly overlay = new Overlay();
  private readonly cache: NodeCache;
  /** PreparedStates this store handed out (commit accepts no others). */
  private readonly issued = new WeakSet<PreparedState>();
  /** Running exports and imports: close() waits for them. */
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly commitContext: CommitContext;
  private meta: MetaRecord;
  private durableApplied: number;
  private seq = 0;
  /** Settles after every write queued so far settled; never rejects (failures go to `failure`). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  private failure: LedgerStoreError | null = null;
  private closed = false;
  private importing = false;
  /** Bumped by every snapshot import (an export that straddles one is refused). */
  private generation = 0;

  static async open(o: LedgerStoreOptions): Promise<LedgerStore> {
    if (typeof o?.dir !== 'string' || o.dir === '') throw invalid('open: dir is required');
    if (typeof o.hash !== 'function') throw invalid('open: hash is required');
    const cacheSize = o.nodeCacheSize ?? DEFAULT_NODE_CACHE;
    if (!isSafeUint(cacheSize) || cacheSize < 2) throw invalid(`open: nodeCacheSize ${cacheSize}`);
    const dir = path.resolve(o.dir);
    if (LedgerStore.openDirs.has(dir)) throw invalid(`open: ${dir} is already open in this process`);
    let dbs: LedgerDbs;
    try {
      dbs = openLedgerDbs(dir, o.fsync ?? true);
    } catch (e) {
      throw new LedgerStoreError('STORE_FAILED', `cannot open the LMDB environment in ${dir}: ${(e as Error).message}`, { cause: e });
    }
    let meta: MetaRecord;
    try {
      meta = readCheckedMeta(dbs, o.hash);
    } catch (e) {
      await dbs.env.close();
      throw e;
    }
    LedgerStore.openDirs.add(dir);
    return new LedgerStore(dbs, o.hash, dir, meta, cacheSize);
  }

  private constructor(
    private readonly dbs: LedgerDbs,
    private readonly hash: HashFn,
    private readonly dir: string,
    meta: MetaRecord,
    cacheSize: number,
  ) {
    this.meta = meta;
    this.durableApplied = meta.appliedIndex;
    this.cache = new NodeCache(cacheSize);
    this.tree = new SparseMerkleTree(hash, { getNode: (h) => this.getNode(h) });
    this.commitContext = {
      hash,
      txKnown: (hex, id) => this.overlay.txs.has(hex) || this.dbs.txs.doesExist(id),
      nonceUsed: (hex, key) => this.overlay.nonces.has(hex) || this.dbs.nonces.doesExist(key),
    };
  }

  /** null before genesis. */
  get head(): LedgerHead | null {
    this.usable();
    const h = this.meta.head;
    if (h === null) return null;
    return { height: h.height, hash: h.hash.slice(), stateRoot: h.stateRoot.slice(), timestamp: h.timestamp, appliedIndex: this.meta.appliedIndex };
  }

  /** The last Raft index applied (commits and markApplied), durable or not. */
  get appliedIndex(): number {
    this.usable();
    return this.meta.appliedIndex;
  }

  /** The applied index of the last write that is durable (readable even after a failure). */
  get durableAppliedIndex(): number {
    return this.durableApplied;
  }

  /** First height with a stored block: 0, or the head height of an imported snapshot. */
  get lowestBlock(): number {
    this.usable();
    return this.meta.lowestBlock;
  }

  /** The latest value of a key (a copy), or undefined when absent. */
  get(key: string): Uint8Array | undefined {
    this.usable();
    if (typeof key !== 'string') throw invalid('a state key is a string');
    const pending = this.overlay.state.get(key);
    if (pending !== undefined) return pending === null ? undefined : pending.slice();
    const bytes = utf8.encode(key);
    if (bytes.length === 0 || bytes.length > MAX_KEY_BYTES) return undefined;
    return plain(this.dbs.state.get(bytes));
  }

  /** The value of `key` right after block `height` (null when absent then). */
  getAt(height: number, key: string): Uint8Array | null {
    this.usable();
    if (typeof key !== 'string') throw invalid('a state key is a string');
    const valueHash = this.tree.lookup(this.rootAt(height), key);
    return valueHash === null ? null : this.valueOf(valueHash);
  }

  /** Computes the state root after `writes` on the head's state (EMPTY when no head); changes nothing. */
  prepare(writes: ReadonlyMap<string, Uint8Array | null>): PreparedState {
    this.writable();
    if (!(writes instanceof Map)) throw invalid('prepare: writes must be a Map');
    const copy = new Map<string, Uint8Array | null>();
    for (const [key, value] of writes as ReadonlyMap<unknown, unknown>) {
      checkKey(key);
      if (value !== null && !(value instanceof Uint8Array)) throw invalid(`prepare: the value of "${key}" is neither bytes nor null`);
      // A private copy: the caller may reuse its buffers, the disk write reads them later.
      copy.set(key, value === null ? null : new Uint8Array(value));
    }
    const baseRoot = Uint8Array.from(this.meta.head?.stateRoot ?? SMT_EMPTY);
    const u = this.tree.update(baseRoot, copy);
    const prepared: PreparedState = Object.freeze({ baseRoot, root: u.root, writes: copy, newNodes: u.newNodes, values: u.values, added: u.added });
    this.issued.add(prepared);
    return prepared;
  }

  /** Appends a block built on `prepared` (see types.ts); visible at once, written in the background. */
  commit(c: CommitInput): void {
    this.writable();
    if (c === null || typeof c !== 'object' || !this.issued.has(c.prepared)) throw invalid('commit: prepared state was not made by this store');
    const w = buildCommit(this.commitContext, this.meta, c, this.seq + 1);
    this.enqueue(w);
  }

  /** Records a Raft index that produced no block, ordered with the commits. */
  markApplied(appliedIndex: number): void {
    this.writable();
    this.enqueue(buildMarkApplied(this.meta, appliedIndex, this.seq + 1));
  }

  /** Resolves when everything committed so far is durable; rejects (STORE_FAILED) if a write failed. */
  async flush(): Promise<void> {
    this.usable();
    await this.lastWrite;
    if (this.failure !== null) throw this.failure;
  }

  block(height: number): Block | undefined {
    const bytes = this.blockBytes(height);
    return bytes === undefined ? undefined : decodeStoredBlock(this.hash, bytes, height);
  }

  /** The block as stored (protocol encodeBlock), or undefined. */
  blockBytes(height: number): Uint8Array | undefined {
    this.usable();
    if (!isSafeUint(height)) throw invalid(`height ${height} is not a non-negative integer`);
    const pending = this.overlay.blocks.get(height);
    if (pending !== undefined) return pending.bytes.slice();
    return plain(this.dbs.blocks.get(heightKey(height)));
  }

  txLocation(txId: Uint8Array): TxLocation | undefined {
    this.usable();
    if (!(txId instanceof Uint8Array)) throw invalid('a tx id is bytes');
    if (txId.length !== 32) return undefined;
    const pending = this.overlay.txs.get(hexKey(txId));
    if (pending !== undefined) return { ...pending };
    const bytes = this.dbs.txs.get(txId);
    return bytes === undefined ? undefined : decodeTxRecord(bytes);
  }

  nonceUsed(sender: Uint8Array, nonce: number): boolean {
    this.usable();
    if (!(sender instanceof Uint8Array) || sender.length === 0 || sender.length > 255) throw invalid('a sender key is 1..255 bytes');
    if (!isSafeUint(nonce)) throw invalid(`nonce ${nonce} is not a non-negative integer`);
    const key = nonceKey(sender, nonce);
    return this.overlay.nonces.has(hexKey(key)) || this.dbs.nonces.doesExist(key);
  }

  /** A proof of `key`'s value (or absence) right after block `height` (default: the head). */
  proveState(key: string, height?: number): StateProofJson {
    this.usable();
    if (typeof key !== 'string') throw invalid('a state key is a string');
    const h = height ?? this.meta.head?.height;
    if (h === undefined) throw new LedgerStoreError('NOT_FOUND', 'proveState: the store is empty');
    const lookup = this.tree.prove(this.rootAt(h), key);
    const value = lookup.valueHash === null ? null : this.valueOf(lookup.valueHash);
    return stateProofJson(key, h, this.headerAt(h).headerBytes, lookup, value);
  }

  /** The inclusion proof of a transaction, or undefined when unknown or its block is not held. */
  proveTx(txId: Uint8Array): TxProofJson | undefined {
    const loc = this.txLocation(txId);
    if (loc === undefined || loc.height < this.meta.lowestBlock) return undefined;
    const block = this.block(loc.height);
    if (block === undefined) throw corrupt(`block ${loc.height} of tx ${hexKey(txId)} is missing`);
    const ids = this.overlay.blocks.get(loc.height)?.txIds ?? this.dbs.blockTxIds.get(heightKey(loc.height));
    if (ids === undefined) throw corrupt(`tx ids of block ${loc.height} are missing`);
    return txProofJson(this.hash, txId, loc, block, splitTxIds(ids, block.header.txCount, loc.height));
  }

  /** The latest state as a whole, in memory: for tests, tools and small channels. */
  stateEntries(): Map<string, Uint8Array> {
    this.usable();
    const out = new Map<string, Uint8Array>();
    for (const { key, value } of this.dbs.state.getRange()) out.set(fromUtf8(key), plain(value));
    for (const [key, value] of this.overlay.state) {
      if (value === null) out.delete(key);
      else out.set(key, value.slice());
    }
    return out;
  }

  /** A consistent snapshot of the head at the time of the call (see snapshot.ts for the format). */
  async exportSnapshot(): Promise<Uint8Array> {
    this.usable();
    const head = this.meta.head;
    if (head === null) throw new LedgerStoreError('NOT_FOUND', 'exportSnapshot: the store is empty');
    const generation = this.generation;
    return this.track(async () => {
      await this.lastWrite; // the head's block is in LMDB from here on
      if (this.failure !== null) throw this.failure;
      if (generation !== this.generation) throw invalid('exportSnapshot: a snapshot import replaced the store meanwhile');
      return exportLedgerSnapshot(this.dbs, this.hash, this.cache, head);
    });
  }

  /** Replaces everything with the snapshot's content in one transaction; durable when it resolves. */
  async importSnapshot(data: Uint8Array, appliedIndex: number): Promise<void> {
    this.writable();
    if (!(data instanceof Uint8Array)) throw invalid('importSnapshot: data is bytes');
    if (!isSafeUint(appliedIndex)) throw invalid(`importSnapshot: applied index ${appliedIndex}`);
    this.importing = true;
    return this.track(() => this.runImport(data, appliedIndex));
  }

  private async runImport(data: Uint8Array, appliedIndex: number): Promise<void> {
    try {
      await this.lastWrite;
      if (this.failure !== null) throw this.failure;
      const plan = planImport(this.hash, data, appliedIndex);
      try {
        await writeImport(this.dbs, plan);
      } catch (e) {
        throw this.fail(e);
      }
      this.dbs.env.resetReadTxn();
      this.overlay.clear();
      this.cache.clear();
      this.meta = plan.meta;
      this.durableApplied = appliedIndex;
      this.generation++;
    } finally {
      this.importing = false;
    }
  }

  /** Waits for queued writes and running exports and imports, then closes the environment. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.lastWrite, ...this.tasks]);
    try {
      await this.dbs.env.close();
    } finally {
      LedgerStore.openDirs.delete(this.dir);
    }
  }

  private async track<T>(task: () => Promise<T>): Promise<T> {
    const run = task();
    this.tasks.add(run);
    try {
      return await run;
    } finally {
      this.tasks.delete(run);
    }
  }

  private enqueue(w: PendingWrite): void {
    this.seq = w.seq;
    this.overlay.add(w);
    this.meta = w.meta;
    let written: Promise<boolean>;
    try {
      written = writePending(this.dbs, w);
    } catch (e) {
      throw this.fail(e);
    }
    const done = written.then(
      () => this.onDurable(w.seq),
      (e: unknown) => void this.fail(e),
    );
    this.lastWrite = Promise.all([this.lastWrite, done]);
  }

  private onDurable(seq: number): void {
    try {
      // lmdb-js renews its read transaction after commits; make sure it has before the overlay
      // stops covering what this write holds.
      this.dbs.env.resetReadTxn();
      const last = this.overlay.release(seq);
      if (last !== undefined) this.durableApplied = last.meta.appliedIndex;
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): LedgerStoreError {
    this.failure ??= new LedgerStoreError('STORE_FAILED', `a write to ${this.dir} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    return this.failure;
  }

  private usable(): void {
    if (this.closed) throw new LedgerStoreError('CLOSED', `the ledger store of ${this.dir} is closed`);
    if (this.failure !== null) throw this.failure;
  }

  private writable(): void {
    this.usable();
    if (this.importing) throw invalid('a snapshot import is in progress');
  }

  private getNode(h: Uint8Array): Uint8Array | undefined {
    const cached = this.cache.get(h);
    if (cached !== undefined) return cached;
    if (this.overlay.nodes.size > 0) {
      const pending = this.overlay.nodes.get(hexKey(h));
      if (pending !== undefined) return pending;
    }
    // LMDB's reused read buffer: the cache keeps a copy, so no allocation per node read.
    const fast = this.dbs.smt.getBinaryFast(h);
    if (fast === undefined) return undefined;
    if (fast.length !== SMT_NODE_BYTES) throw corrupt(`SMT node ${hexKey(h)} has ${fast.length} bytes`);
    return this.cache.set(h, fast.subarray(0, SMT_NODE_BYTES));
  }

  private valueOf(valueHash: Uint8Array): Uint8Array {
    const pending = this.overlay.values.get(hexKey(valueHash));
    if (pending !== undefined) return pending.slice();
    const value = this.dbs.values.get(valueHash);
    if (value === undefined) throw corrupt(`value ${hexKey(valueHash)} is missing`);
    return plain(value);
  }

  private rootAt(height: number): Uint8Array {
    if (!isSafeUint(height)) throw invalid(`height ${height} is not a non-negative integer`);
    const head = this.meta.head;
    if (head === null || height > head.height || height < this.meta.lowestBlock) {
      const held = head === null ? 'none' : `${this.meta.lowestBlock}..${head.height}`;
      throw new LedgerStoreError('NOT_FOUND', `no block at height ${height} (held: ${held})`);
    }
    return height === head.height ? head.stateRoot : this.headerAt(height).header.stateRoot;
  }

  private headerAt(height: number): ReturnType<typeof headerBytesOf> {
    const bytes = this.blockBytes(height);
    if (bytes === undefined) throw corrupt(`block ${height} is missing`);
    return headerBytesOf(bytes, height);
  }
}

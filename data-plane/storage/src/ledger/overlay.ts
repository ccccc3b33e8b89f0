/**
 * What the store has committed but LMDB has not yet made durable. Reads look here first, so a
 * commit is visible at once; each write leaves the overlay when its LMDB transaction resolved.
 *
 * The pending writes are also merged into one map per kind, so a read costs one lookup however
 * many writes are pending (when the disk stalls, dozens can be). On release, entries that never
 * change once written (nodes and values by hash, tx and nonce records, blocks) simply leave: the
 * released write is durable, so LMDB has them. A state key leaves only if no later pending write
 * set it (`stateOwner` remembers which write set each key last).
 */
import type { MetaRecord, NonceRecord, TxRecord } from './records.js';
import type { SmtAddedKey } from './smt.js';

export interface PendingBlock {
  readonly height: number;
  readonly bytes: Uint8Array;
  /** The block's tx ids, concatenated. */
  readonly txIds: Uint8Array;
}

export interface PendingWrite {
  /** Position in commit order. */
  readonly seq: number;
  /** The meta record after this write. */
  readonly meta: MetaRecord;
  readonly state: ReadonlyMap<string, Uint8Array | null>;
  /** hex hash → SMT node */
  readonly nodes: ReadonlyMap<string, Uint8Array>;
  /** hex value hash → value */
  readonly values: ReadonlyMap<string, Uint8Array>;
  readonly block: PendingBlock | null;
  /** hex tx id → record */
  readonly txs: ReadonlyMap<string, TxRecord>;
  /** hex nonce key → record */
  readonly nonces: ReadonlyMap<string, NonceRecord>;
  /** Keys new to the tree (path → key index; not read through the overlay). */
  readonly added: readonly SmtAddedKey[];
}

export class Overlay {
  private readonly queue: PendingWrite[] = [];
  readonly state = new Map<string, Uint8Array | null>();
  private readonly stateOwner = new Map<string, number>();
  readonly nodes = new Map<string, Uint8Array>();
  readonly values = new Map<string, Uint8Array>();
  readonly blocks = new Map<number, PendingBlock>();
  readonly txs = new Map<string, TxRecord>();
  readonly nonces = new Map<string, NonceRecord>();

  get pending(): number {
    return this.queue.length;
  }

  add(w: PendingWrite): void {
    this.queue.push(w);
    for (const [k, v] of w.state) {
      this.state.set(k, v);
      this.stateOwner.set(k, w.seq);
    }
    merge(this.nodes, w.nodes);
    merge(this.values, w.values);
    if (w.block !== null) this.blocks.set(w.block.height, w.block);
    merge(this.txs, w.txs);
    merge(this.nonces, w.nonces);
  }

  /** Drops the writes up to and including `seq` (they are durable); returns the last dropped. */
  release(seq: number): PendingWrite | undefined {
    let last: PendingWrite | undefined;
    while (this.queue.length > 0 && this.queue[0]!.seq <= seq) {
      const w = this.queue.shift()!;
      last = w;
      if (this.queue.length === 0) break; // nothing else pending: the maps are cleared below
      for (const k of w.state.keys()) {
        if (this.stateOwner.get(k) !== w.seq) continue;
        this.state.delete(k);
        this.stateOwner.delete(k);
      }
      for (const k of w.nodes.keys()) this.nodes.delete(k);
      for (const k of w.values.keys()) this.values.delete(k);
      for (const k of w.txs.keys()) this.txs.delete(k); // ids and nonces are never written twice
      for (const k of w.nonces.keys()) this.nonces.delete(k);
      if (w.block !== null) this.blocks.delete(w.block.height);
    }
    if (this.queue.length === 0) this.clear();
    return last;
  }

  clear(): void {
    this.queue.length = 0;
    for (const m of [this.state, this.stateOwner, this.nodes, this.values, this.blocks, this.txs, this.nonces]) m.clear();
  }
}

function merge<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>): void {
  for (const [k, v] of from) into.set(k, v);
}

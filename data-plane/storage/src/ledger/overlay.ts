/**
 * What the store has committed but LMDB has not yet made durable. Reads look here first, so a
 * commit is visible at once; each write leaves the overlay when its LMDB transaction resolved.
 *
 * The pending writes are also merged into one map per kind, so a read costs one lookup however
 * many writes are pending (when the disk stalls, dozens can be). On release, a key leaves the
 * merged map unless a later pending write holds it too (the merged map has that later value).
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
    merge(this.state, w.state);
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
      const later = this.queue;
      if (later.length === 0) break; // nothing else pending: the maps are cleared below
      drop(this.state, w.state, later, (l) => l.state);
      drop(this.nodes, w.nodes, later, (l) => l.nodes);
      drop(this.values, w.values, later, (l) => l.values);
      if (w.block !== null) this.blocks.delete(w.block.height);
      drop(this.txs, w.txs, later, (l) => l.txs);
      drop(this.nonces, w.nonces, later, (l) => l.nonces);
    }
    if (this.queue.length === 0) this.clear();
    return last;
  }

  clear(): void {
    this.queue.length = 0;
    for (const m of [this.state, this.nodes, this.values, this.blocks, this.txs, this.nonces]) m.clear();
  }
}

function merge<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>): void {
  for (const [k, v] of from) into.set(k, v);
}

function drop<K>(merged: Map<K, unknown>, mine: ReadonlyMap<K, unknown>, later: readonly PendingWrite[], pick: (w: PendingWrite) => ReadonlyMap<K, unknown>): void {
  for (const k of mine.keys()) if (!later.some((l) => pick(l).has(k))) merged.delete(k);
}

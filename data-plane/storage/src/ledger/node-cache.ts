/**
 * A bounded cache of SMT nodes by hash, approximating LRU with two generations: hits and
 * inserts go to the young map; when it is full it becomes the old map (the previous old one is
 * dropped). A hit in the old map is promoted. At most `capacity` entries are held, and no hit
 * pays for list maintenance (a Map-based exact LRU deletes and re-inserts on every hit).
 *
 * Keys are 30 bits of the hash (small integers: no string per lookup, unlike hex keys); each
 * entry keeps the whole hash, so a rare collision is a miss, never a wrong node. Nodes are
 * content-addressed and immutable, so a cached node is never stale.
 */
import { SMT_NODE_BYTES } from './node-slab.js';

interface Entry {
  readonly hash: Uint8Array;
  readonly node: Uint8Array;
}

export class NodeCache {
  private young = new Map<number, Entry>();
  private old = new Map<number, Entry>();
  private readonly half: number;
  // Entries (hash ‖ node) are copied into shared slabs: no off-heap allocation per node.
  private slab = new Uint8Array(0);
  private used = 0;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(hash: Uint8Array): Uint8Array | undefined {
    const k = keyOf(hash);
    const e = this.young.get(k);
    if (e !== undefined) return sameHash(e.hash, hash) ? e.node : undefined;
    const o = this.old.get(k);
    if (o === undefined || !sameHash(o.hash, hash)) return undefined;
    this.insert(k, o);
    return o.node;
  }

  /** Caches a copy of `node` (the caller may reuse its buffer); returns the cached copy. */
  set(hash: Uint8Array, node: Uint8Array): Uint8Array {
    const size = 32 + SMT_NODE_BYTES;
    if (this.used + size > this.slab.length) {
      this.slab = new Uint8Array(size * 1024);
      this.used = 0;
    }
    const entry = this.slab.subarray(this.used, this.used + size);
    this.used += size;
    entry.set(hash, 0);
    entry.set(node, 32);
    const e = { hash: entry.subarray(0, 32), node: entry.subarray(32) };
    this.insert(keyOf(hash), e);
    return e.node;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  private insert(k: number, e: Entry): void {
    this.young.set(k, e);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}

function keyOf(h: Uint8Array): number {
  return ((h[0]! << 22) | (h[1]! << 14) | (h[2]! << 6) | (h[3]! >> 2)) >>> 0;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

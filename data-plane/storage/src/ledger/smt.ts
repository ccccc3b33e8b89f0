/**
 * The state tree of protocol's proof/smt.ts (the specification: smtReferenceRoot,
 * verifySmtProof), kept incrementally and persistently. Nodes are stored by their hash as the
 * very bytes that are hashed:
 *   leaf   0x00 ‖ path(32) ‖ valueHash(32)      hash = H(leaf bytes)
 *   inner  0x01 ‖ left(32) ‖ right(32)          hash = H(inner bytes)
 *   EMPTY  32 zero bytes, never stored
 * A node never changes, so every root ever produced stays readable as long as its nodes are
 * kept: state at any past height is a lookup under that height's root.
 *
 * `update` applies a whole batch of writes in one descent: the writes are sorted by path and
 * split at each inner node by the path bit of its depth, so a node shared by many writes is read
 * and re-hashed once per batch, not once per key. Deletions re-compress on the way up (a subtree
 * left with one entry becomes that entry's leaf, lifted as high as it goes; an empty one becomes
 * EMPTY), so the root always equals smtReferenceRoot of the resulting set.
 */
import { bytesEqual, type HashFn, SMT_DEPTH, SMT_EMPTY, type SmtProof, smtPath } from '@konsortium/protocol';
import { compareBytes, hexKey, isZero } from './bytes.js';
import { corrupt, invalid } from './errors.js';
import { NodeSlab, SMT_NODE_BYTES } from './node-slab.js';

export interface SmtNodeSource {
  /** The 65-byte node whose hash is `hash`, or undefined when it is not stored. */
  getNode(hash: Uint8Array): Uint8Array | undefined;
}

export { SMT_NODE_BYTES };
const LEAF_TAG = 0;
const INNER_TAG = 1;

/** A key that is present under the new root and was absent under the old one. */
export interface SmtAddedKey {
  readonly key: Uint8Array;
  readonly path: Uint8Array;
}

export interface SmtUpdate {
  readonly root: Uint8Array;
  /** Nodes the new root needs that the old one may not have had: hex of hash → node bytes. */
  readonly newNodes: Map<string, Uint8Array>;
  /** The values written: hex of value hash → value. */
  readonly values: Map<string, Uint8Array>;
  /** Keys new to the tree (the store keeps path → key so that a root's leaves can be named). */
  readonly added: SmtAddedKey[];
}

export interface SmtLookup {
  readonly proof: SmtProof;
  /** The key's value hash under the root, or null when it is absent. */
  readonly valueHash: Uint8Array | null;
}

interface Entry {
  readonly path: Uint8Array;
  /** null: the write deletes the key. */
  readonly valueHash: Uint8Array | null;
}

interface Op extends Entry {
  readonly key: Uint8Array;
}

// What a rebuilt subtree turned into; UNKNOWN: untouched, not read (resolved only if needed).
const EMPTY = 0;
const LEAF = 1;
const INNER = 2;
const UNKNOWN = 3;
type Kind = typeof EMPTY | typeof LEAF | typeof INNER | typeof UNKNOWN;

interface Sub {
  readonly hash: Uint8Array;
  readonly kind: Kind;
}

const EMPTY_SUB: Sub = { hash: SMT_EMPTY, kind: EMPTY };
const utf8Encoder = new TextEncoder();

interface Batch {
  readonly newNodes: Map<string, Uint8Array>;
  readonly added: SmtAddedKey[];
  readonly slab: NodeSlab;
}

export class SparseMerkleTree {
  constructor(
    private readonly hash: HashFn,
    private readonly nodes: SmtNodeSource,
  ) {}

  /** Applies `writes` (null = delete) to the tree under `root`. Pure: the caller persists the result. */
  update(root: Uint8Array, writes: ReadonlyMap<string, Uint8Array | null>): SmtUpdate {
    checkRoot(root);
    const values = new Map<string, Uint8Array>();
    const ops: Op[] = [];
    for (const [key, value] of writes) {
      const keyBytes = utf8Encoder.encode(key);
      const path = smtPath(this.hash, keyBytes);
      let valueHash: Uint8Array | null = null;
      if (value !== null) {
        valueHash = this.hash(value);
        values.set(hexKey(valueHash), value);
      }
      ops.push({ key: keyBytes, path, valueHash });
    }
    ops.sort((a, b) => compareBytes(a.path, b.path));
    // Sized to the batch: one slab for small batches, slabs of 1024 nodes for large ones.
    const batch: Batch = { newNodes: new Map(), added: [], slab: new NodeSlab(Math.min(1024, 4 * ops.length + 64)) };
    const out = this.apply(root, 0, ops, 0, ops.length, batch);
    return { root: out.hash, newNodes: batch.newNodes, values, added: batch.added };
  }

  /** A proof of the key's value (or absence) under `root`, checkable with verifySmtProof. */
  prove(root: Uint8Array, key: string): SmtLookup {
    checkRoot(root);
    const path = smtPath(this.hash, utf8Encoder.encode(key));
    const siblings: Uint8Array[] = [];
    let h = root;
    for (let depth = 0; ; depth++) {
      if (isZero(h)) return { proof: { siblings, terminal: { kind: 'empty' } }, valueHash: null };
      const node = this.read(h);
      if (node[0] === LEAF_TAG) {
        const leafPath = copy(node.subarray(1, 33));
        const valueHash = copy(node.subarray(33, 65));
        const terminal = { kind: 'leaf', path: leafPath, valueHash } as const;
        return { proof: { siblings, terminal }, valueHash: bytesEqual(leafPath, path) ? valueHash : null };
      }
      if (depth >= SMT_DEPTH) throw corrupt(`SMT inner node ${hexKey(h)} at depth ${depth}`);
      const right = bit(path, depth) === 1;
      siblings.push(copy(right ? node.subarray(1, 33) : node.subarray(33, 65)));
      h = right ? node.subarray(33, 65) : node.subarray(1, 33);
    }
  }

  /** The key's value hash under `root`, or null when absent (a historic read). */
  lookup(root: Uint8Array, key: string): Uint8Array | null {
    checkRoot(root);
    const path = smtPath(this.hash, utf8Encoder.encode(key));
    let h = root;
    for (let depth = 0; ; depth++) {
      if (isZero(h)) return null;
      const node = this.read(h);
      if (node[0] === LEAF_TAG) return bytesEqual(node.subarray(1, 33), path) ? copy(node.subarray(33, 65)) : null;
      if (depth >= SMT_DEPTH) throw corrupt(`SMT inner node ${hexKey(h)} at depth ${depth}`);
      h = bit(path, depth) === 1 ? node.subarray(33, 65) : node.subarray(1, 33);
    }
  }

  /** Every leaf under `root`, in path order (views into the nodes: copy what you keep). */
  *leaves(root: Uint8Array): Generator<{ path: Uint8Array; valueHash: Uint8Array }> {
    checkRoot(root);
    const stack: { hash: Uint8Array; depth: number }[] = [{ hash: root, depth: 0 }];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      if (isZero(top.hash)) continue;
      const node = this.read(top.hash);
      if (node[0] === LEAF_TAG) {
        yield { path: node.subarray(1, 33), valueHash: node.subarray(33, 65) };
        continue;
      }
      if (top.depth >= SMT_DEPTH) throw corrupt(`SMT inner node ${hexKey(top.hash)} at depth ${top.depth}`);
      // Right first onto the stack, so the left subtree (smaller paths) comes out first.
      stack.push({ hash: node.subarray(33, 65), depth: top.depth + 1 });
      stack.push({ hash: node.subarray(1, 33), depth: top.depth + 1 });
    }
  }

  /** The new subtree after applying ops[lo, hi) (all sharing the first `depth` path bits) to `h`. */
  private apply(h: Uint8Array, depth: number, ops: readonly Op[], lo: number, hi: number, b: Batch): Sub {
    if (lo === hi) return { hash: h, kind: UNKNOWN };
    if (isZero(h)) {
      const puts = collectPuts(ops, lo, hi, b);
      return puts.length === 0 ? { hash: h, kind: EMPTY } : this.build(depth, puts, 0, puts.length, b);
    }
    const node = this.read(h);
    if (node[0] === LEAF_TAG) return this.mergeLeaf(h, node, depth, ops, lo, hi, b);
    if (depth >= SMT_DEPTH) throw corrupt(`SMT inner node ${hexKey(h)} at depth ${depth}`);
    const mid = splitAt(ops, lo, hi, depth);
    const left = node.subarray(1, 33);
    const right = node.subarray(33, 65);
    const l = this.apply(left, depth + 1, ops, lo, mid, b);
    const r = this.apply(right, depth + 1, ops, mid, hi, b);
    if (l.hash === left && r.hash === right) return { hash: h, kind: INNER }; // no net change
    return this.join(l, r, b);
  }

  /** The subtree that held one entry (the leaf `node`), after ops[lo, hi). */
  private mergeLeaf(h: Uint8Array, node: Uint8Array, depth: number, ops: readonly Op[], lo: number, hi: number, b: Batch): Sub {
    const leaf: Entry = { path: node.subarray(1, 33), valueHash: node.subarray(33, 65) };
    const entries: Entry[] = [];
    let placed = false; // the leaf's slot in path order has been passed
    let changed = false;
    for (let i = lo; i < hi; i++) {
      const op = ops[i]!;
      const c = placed ? 1 : compareBytes(op.path, leaf.path);
      if (c > 0 && !placed) {
        entries.push(leaf);
        placed = true;
      }
      if (c === 0) {
        placed = true;
        if (op.valueHash === null) changed = true;
        else if (bytesEqual(op.valueHash, leaf.valueHash!)) entries.push(leaf);
        else {
          entries.push(op);
          changed = true;
        }
      } else if (op.valueHash !== null) {
        entries.push(op);
        b.added.push({ key: op.key, path: op.path });
        changed = true;
      }
    }
    if (!placed) entries.push(leaf);
    if (!changed) return { hash: h, kind: LEAF };
    return this.build(depth, entries, 0, entries.length, b);
  }

  /** A subtree from scratch over entries[lo, hi) (all puts, sorted by path): the reference shape. */
  private build(depth: number, entries: readonly Entry[], lo: number, hi: number, b: Batch): Sub {
    const n = hi - lo;
    if (n === 0) return EMPTY_SUB;
    if (n === 1) return this.leaf(entries[lo]!, b);
    if (depth >= SMT_DEPTH) throw invalid('two keys with the same SMT path: a hash collision');
    const mid = splitAt(entries, lo, hi, depth);
    const l = this.build(depth + 1, entries, lo, mid, b);
    const r = this.build(depth + 1, entries, mid, hi, b);
    return this.inner(l.hash, r.hash, b);
  }

  /** An inner node over two rebuilt children, compressed: a lone leaf moves up, nothing is EMPTY. */
  private join(l: Sub, r: Sub, b: Batch): Sub {
    const lEmpty = l.kind === EMPTY || (l.kind === UNKNOWN && isZero(l.hash));
    const rEmpty = r.kind === EMPTY || (r.kind === UNKNOWN && isZero(r.hash));
    if (lEmpty && rEmpty) return EMPTY_SUB;
    if (lEmpty && this.kindOf(r) === LEAF) return { hash: r.hash, kind: LEAF };
    if (rEmpty && this.kindOf(l) === LEAF) return { hash: l.hash, kind: LEAF };
    return this.inner(l.hash, r.hash, b);
  }

  private kindOf(s: Sub): Kind {
    if (s.kind !== UNKNOWN) return s.kind;
    if (isZero(s.hash)) return EMPTY;
    return this.read(s.hash)[0] === LEAF_TAG ? LEAF : INNER;
  }

  private leaf(e: Entry, b: Batch): Sub {
    const node = b.slab.next();
    node[0] = LEAF_TAG;
    node.set(e.path, 1);
    node.set(e.valueHash!, 33);
    const hash = this.hash(node);
    b.newNodes.set(hexKey(hash), node);
    return { hash, kind: LEAF };
  }

  private inner(left: Uint8Array, right: Uint8Array, b: Batch): Sub {
    const node = b.slab.next();
    node[0] = INNER_TAG;
    node.set(left, 1);
    node.set(right, 33);
    const hash = this.hash(node);
    b.newNodes.set(hexKey(hash), node);
    return { hash, kind: INNER };
  }

  private read(h: Uint8Array): Uint8Array {
    const node = this.nodes.getNode(h);
    if (node === undefined) throw corrupt(`SMT node ${hexKey(h)} is missing`);
    if (node.length !== SMT_NODE_BYTES || node[0]! > INNER_TAG) throw corrupt(`SMT node ${hexKey(h)} is malformed`);
    return node;
  }
}

/** A plain copy (nodes may be cached Buffers, whose slice() is a view). */
function copy(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}

function checkRoot(root: Uint8Array): void {
  if (!(root instanceof Uint8Array) || root.length !== 32) throw invalid('an SMT root is 32 bytes');
}

/** Bit `i` of a path (0 = most significant). */
function bit(path: Uint8Array, i: number): number {
  return (path[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** First index in [lo, hi) whose path has bit `depth` set (paths sorted, sharing `depth` bits). */
function splitAt(entries: readonly Entry[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let z = hi;
  while (a < z) {
    const m = (a + z) >>> 1;
    if (bit(entries[m]!.path, depth) === 1) z = m;
    else a = m + 1;
  }
  return a;
}

/** The puts among ops[lo, hi) landing in an empty subtree: all of them are new keys. */
function collectPuts(ops: readonly Op[], lo: number, hi: number, b: Batch): Entry[] {
  const puts: Entry[] = [];
  for (let i = lo; i < hi; i++) {
    const op = ops[i]!;
    if (op.valueHash === null) continue;
    puts.push(op);
    b.added.push({ key: op.key, path: op.path });
  }
  return puts;
}

/**
 * The state root: a compressed sparse Merkle tree over all of a channel's world state.
 *
 * Each key is placed by its path p = H(0x02 ‖ key) (256 bits, most significant bit first).
 * The hash of the subtree holding a set S of entries at depth d is
 *   S empty          EMPTY (32 zero bytes)
 *   S = {(p, v)}     leaf  = H(0x00 ‖ p ‖ H(v))        (a lone entry sits as high as it can)
 *   otherwise        node  = H(0x01 ‖ left ‖ right)    split on bit d of the paths
 * so the root is a function of the set alone, never of the order of writes: every replica that
 * holds the same state computes the same root. A proof for key k is the list of sibling hashes
 * from the root down to where k's path ends (a leaf or an empty subtree); it proves presence
 * with a value, or absence (the path ends in EMPTY or in another key's leaf).
 *
 * This file is the specification (reference root, proof checking); the incremental,
 * persistent tree lives in storage and is tested against it.
 */
import { bytesEqual, concatBytes } from '../codec/hex.js';
import type { HashFn } from './merkle.js';

export const SMT_EMPTY = new Uint8Array(32);
export const SMT_DEPTH = 256;
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const PATH = Uint8Array.of(2);

export function smtPath(hash: HashFn, key: Uint8Array): Uint8Array {
  return hash(concatBytes(PATH, key));
}

export function smtLeafHash(hash: HashFn, path: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return hash(concatBytes(LEAF, path, valueHash));
}

export function smtNodeHash(hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(concatBytes(NODE, left, right));
}

/** Bit `i` (0 = most significant) of a path. */
export function pathBit(path: Uint8Array, i: number): 0 | 1 {
  return ((path[i >> 3]! >> (7 - (i & 7))) & 1) as 0 | 1;
}

export interface SmtLeaf {
  readonly path: Uint8Array;
  readonly valueHash: Uint8Array;
}

/** The root of a set of entries, computed from scratch (the definition; slow on large sets). */
export function smtReferenceRoot(hash: HashFn, entries: ReadonlyMap<string, Uint8Array> | Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const leaves: SmtLeaf[] = [];
  const enc = new TextEncoder();
  for (const [k, v] of entries as Iterable<readonly [Uint8Array | string, Uint8Array]>) {
    const key = typeof k === 'string' ? enc.encode(k) : k;
    leaves.push({ path: smtPath(hash, key), valueHash: hash(v) });
  }
  return subtreeRoot(hash, leaves, 0);
}

function subtreeRoot(hash: HashFn, leaves: readonly SmtLeaf[], depth: number): Uint8Array {
  if (leaves.length === 0) return SMT_EMPTY;
  if (leaves.length === 1) return smtLeafHash(hash, leaves[0]!.path, leaves[0]!.valueHash);
  if (depth >= SMT_DEPTH) throw new Error('two keys with the same path: hash collision');
  const left = leaves.filter((l) => pathBit(l.path, depth) === 0);
  const right = leaves.filter((l) => pathBit(l.path, depth) === 1);
  return smtNodeHash(hash, subtreeRoot(hash, left, depth + 1), subtreeRoot(hash, right, depth + 1));
}

/** Where the key's path ends: in an empty subtree, or in the leaf of some key (itself or another). */
export type SmtTerminal = { readonly kind: 'empty' } | ({ readonly kind: 'leaf' } & SmtLeaf);

export interface SmtProof {
  /** Sibling hashes from depth 0 (next to the root) down to the terminal's depth - 1. */
  readonly siblings: readonly Uint8Array[];
  readonly terminal: SmtTerminal;
}

/**
 * Checks a proof that `key` has `value` (or is absent when `value` is null) under `root`.
 * For absence the terminal must be EMPTY or a leaf of another key whose path agrees with the
 * key's on the first `siblings.length` bits (so it occupies the very subtree the key would).
 */
export function verifySmtProof(hash: HashFn, root: Uint8Array, key: Uint8Array, value: Uint8Array | null, proof: SmtProof): boolean {
  const depth = proof.siblings.length;
  if (depth > SMT_DEPTH) return false;
  const path = smtPath(hash, key);
  let h: Uint8Array;
  const t = proof.terminal;
  if (value !== null) {
    if (t.kind !== 'leaf' || !bytesEqual(t.path, path) || !bytesEqual(t.valueHash, hash(value))) return false;
    h = smtLeafHash(hash, t.path, t.valueHash);
  } else if (t.kind === 'empty') {
    h = SMT_EMPTY;
  } else {
    if (t.path.length !== 32 || bytesEqual(t.path, path)) return false;
    for (let i = 0; i < depth; i++) if (pathBit(t.path, i) !== pathBit(path, i)) return false;
    h = smtLeafHash(hash, t.path, t.valueHash);
  }
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = proof.siblings[i]!;
    if (sibling.length !== 32) return false;
    h = pathBit(path, i) === 0 ? smtNodeHash(hash, h, sibling) : smtNodeHash(hash, sibling, h);
  }
  return bytesEqual(h, root);
}

/**
 * The transaction Merkle tree of a block: RFC 9162 (Certificate Transparency 2.0) §2.1, with
 * the channel suite's hash. Leaves and inner nodes are domain-separated (0x00 / 0x01 prefixes),
 * so a leaf can never pass for a node. The empty tree's root is H("").
 */
import { bytesEqual, concatBytes } from '../codec/hex.js';

export type HashFn = (data: Uint8Array) => Uint8Array;

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function merkleLeafHash(hash: HashFn, data: Uint8Array): Uint8Array {
  return hash(concatBytes(LEAF, data));
}

export function merkleNodeHash(hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(concatBytes(NODE, left, right));
}

/** The root over already-hashed leaves (merkleLeafHash of each). */
export function merkleRoot(hash: HashFn, leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return hash(new Uint8Array(0));
  // Bottom-up, carrying an odd last node up unchanged: the same tree as RFC 9162's recursive
  // split at the largest power of two below n.
  let level: Uint8Array[] = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(merkleNodeHash(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** The audit path of leaf `index` (RFC 9162 §2.1.3.1), siblings from the leaf upwards. */
export function merkleInclusionPath(hash: HashFn, leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) throw new RangeError(`leaf ${index} out of 0..${leafHashes.length - 1}`);
  const path: Uint8Array[] = [];
  let level: Uint8Array[] = [...leafHashes];
  let i = index;
  while (level.length > 1) {
    const sibling = i ^ 1;
    if (sibling < level.length) path.push(level[sibling]!);
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) next.push(merkleNodeHash(hash, level[j]!, level[j + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    i >>= 1;
  }
  return path;
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` of a tree of `size` leaves under `root`? */
export function verifyMerkleInclusion(
  hash: HashFn,
  leafHash: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // Plain arithmetic: the bitwise operators work on 32-bit integers, and sizes go beyond.
  const half = (x: number): number => Math.floor(x / 2);
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(hash, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = merkleNodeHash(hash, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

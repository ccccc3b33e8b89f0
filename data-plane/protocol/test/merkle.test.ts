// The transaction Merkle tree (proof/merkle.ts) against RFC 9162 §2.1 written out recursively
// here, and against the Certificate Transparency test vectors.
import fc from 'fast-check';
import t from 'tap';
import {
  bytesEqual,
  concatBytes,
  fromHex,
  type HashFn,
  intlSuite,
  merkleInclusionPath,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  SUITE_IDS,
  suiteById,
  toHex,
  verifyMerkleInclusion,
} from '../src/index.js';

const sha256: HashFn = (d) => intlSuite.hash(d);

/** The largest power of two strictly below n (n > 1), without 32-bit operators. */
function splitOf(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.1: MTH({}) = HASH(), MTH({d0}) = HASH(0x00 ‖ d0), MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])). */
function mth(h: HashFn, data: readonly Uint8Array[]): Uint8Array {
  if (data.length === 0) return h(new Uint8Array(0));
  if (data.length === 1) return h(concatBytes(Uint8Array.of(0), data[0]!));
  const k = splitOf(data.length);
  return h(concatBytes(Uint8Array.of(1), mth(h, data.slice(0, k)), mth(h, data.slice(k))));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), leaf-first order; `memo` caches MTH of sub-ranges. */
function refPath(h: HashFn, m: number, data: readonly Uint8Array[], lo = 0, hi = data.length, memo = new Map<string, Uint8Array>()): Uint8Array[] {
  if (hi - lo <= 1) return [];
  const k = splitOf(hi - lo);
  const sub = (a: number, b: number): Uint8Array => {
    const key = `${a}:${b}`;
    let r = memo.get(key);
    if (r === undefined) memo.set(key, (r = mth(h, data.slice(a, b))));
    return r;
  };
  return m < k ? [...refPath(h, m, data, lo, lo + k, memo), sub(lo + k, hi)] : [...refPath(h, m - k, data, lo + k, hi, memo), sub(lo, lo + k)];
}

/** The root a path leads to, by recursion on (index, size) alone: works for any size up to 2^53. */
function refRootFromPath(h: HashFn, leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[]): Uint8Array | null {
  if (size === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  const k = splitOf(size);
  const sibling = path[path.length - 1]!;
  const rest = path.slice(0, -1);
  if (index < k) {
    const left = refRootFromPath(h, leaf, index, k, rest);
    return left && merkleNodeHash(h, left, sibling);
  }
  const right = refRootFromPath(h, leaf, index - k, size - k, rest);
  return right && merkleNodeHash(h, sibling, right);
}

/** Number of siblings on the path of `index` in a tree of `size` leaves. */
function pathLength(index: number, size: number): number {
  if (size <= 1) return 0;
  const k = splitOf(size);
  return 1 + (index < k ? pathLength(index, k) : pathLength(index - k, size - k));
}

const data = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Uint8Array.of(i, i >> 8, 0xab));
const leavesOf = (h: HashFn, d: readonly Uint8Array[]): Uint8Array[] => d.map((x) => merkleLeafHash(h, x));

t.test('merkleRoot equals the recursive RFC 9162 MTH for n = 0..70, for every suite hash', async (t) => {
  const all = Array.from({ length: 71 }, (_, n) => n);
  for (const id of SUITE_IDS) {
    const h: HashFn = (d) => suiteById(id).hash(d);
    // Streebog is slow in JS: a selection of sizes around the powers of two.
    const sizes = id === 'gost' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70] : all;
    let ok = 0;
    for (const n of sizes) {
      const d = data(n);
      if (bytesEqual(merkleRoot(h, leavesOf(h, d)), mth(h, d))) ok++;
      else t.fail(`${id}: n = ${n}`);
    }
    t.equal(ok, sizes.length, `${id}: all sizes agree`);
  }
  t.ok(bytesEqual(merkleRoot(sha256, []), sha256(new Uint8Array(0))), 'the empty tree is H("")');
});

t.test('for every index of sizes 1..70: the path is PATH(m, D[n]) and verifies; corruptions fail', async (t) => {
  const someHash = sha256(Uint8Array.of(1, 2, 3));
  let checked = 0;
  let accepted = 0;
  let probes = 0;
  for (let n = 1; n <= 70; n++) {
    const d = data(n);
    const leaves = leavesOf(sha256, d);
    const root = merkleRoot(sha256, leaves);
    const memo = new Map<string, Uint8Array>();
    for (let i = 0; i < n; i++) {
      const leaf = leaves[i]!;
      const path = merkleInclusionPath(sha256, leaves, i);
      const expected = refPath(sha256, i, d, 0, n, memo);
      const same = path.length === expected.length && path.every((p, j) => bytesEqual(p, expected[j]!));
      if (!same) t.fail(`path of ${i} in ${n} differs from PATH(m, D[n])`);
      else if (!verifyMerkleInclusion(sha256, leaf, i, n, path, root)) t.fail(`path of ${i} in ${n} does not verify`);
      else checked++;
      // Corruptions: every index of sizes 1..40 and of a few sizes around 64 (keeps the file fast).
      if (n > 40 && ![63, 64, 65, 70].includes(n)) continue;
      const bad: [string, Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
        ['index - 1', leaf, i - 1, n, path, root],
        ['index + 1', leaf, i + 1, n, path, root],
        ['index ^ 2', leaf, i ^ 2, n, path, root],
        ['size * 2', leaf, i, n * 2, path, root],
        ['size / 2', leaf, i, Math.floor(n / 2), path, root],
        ['size 0', leaf, i, 0, path, root],
        ['another leaf', someHash, i, n, path, root],
        ['empty root', leaf, i, n, path, sha256(new Uint8Array(0))],
        ['trailing garbage', leaf, i, n, [...path, new Uint8Array(0)], root],
        ['trailing root', leaf, i, n, [...path, root], root],
        ['preceding garbage', leaf, i, n, [new Uint8Array(0), ...path], root],
        ['preceding root', leaf, i, n, [root, ...path], root],
        ['non-integer index', leaf, i + 0.5, n, path, root],
      ];
      if (n > 1) bad.push(['leaf of another index', leaves[(i + 1) % n]!, i, n, path, root]);
      if (path.length > 0) bad.push(['removed component', leaf, i, n, path.slice(0, -1), root]);
      if (path.length > 1) bad.push(['inserted component', leaf, i, n, [path[0]!, someHash, ...path.slice(1)], root]);
      for (let j = 0; j < path.length; j++) {
        const flipped = path.map((p) => Uint8Array.from(p));
        flipped[j]![0]! ^= 8;
        bad.push([`proof[${j}] bit 3`, leaf, i, n, flipped, root]);
      }
      for (const [what, l, idx, size, p, r] of bad) {
        probes++;
        if (verifyMerkleInclusion(sha256, l, idx, size, p, r)) {
          accepted++;
          t.fail(`accepted ${what} for leaf ${i} of ${n}`);
        }
      }
    }
  }
  t.equal(checked, (70 * 71) / 2, 'every path is the RFC path and verifies');
  t.equal(accepted, 0, `${probes} corrupted proofs refused`);
});

t.test('merkleInclusionPath refuses an index out of range', async (t) => {
  const leaves = leavesOf(sha256, data(3));
  for (const i of [-1, 3, 1.5, NaN]) t.throws(() => merkleInclusionPath(sha256, leaves, i), RangeError);
  t.throws(() => merkleInclusionPath(sha256, [], 0), RangeError);
});

// Certificate Transparency test leaves and published roots and paths, as in
// transparency-dev/merkle proof/verify_test.go (from google/certificate-transparency merkle tests).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => fromHex(h));
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_PATHS: [number, number, string[]][] = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

t.test('known answers: the Certificate Transparency test vectors (SHA-256)', async (t) => {
  const leaves = leavesOf(sha256, CT_LEAVES);
  t.equal(toHex(merkleRoot(sha256, leaves)), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'root of all 8 leaves');
  for (let n = 1; n <= 8; n++) t.equal(toHex(merkleRoot(sha256, leaves.slice(0, n))), CT_ROOTS[n - 1], `root of the first ${n} leaves`);
  t.equal(toHex(merkleRoot(sha256, [])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'empty tree');
  for (const [index, size, expected] of CT_PATHS) {
    const path = merkleInclusionPath(sha256, leaves.slice(0, size), index);
    t.same(path.map(toHex), expected, `path of leaf ${index} in ${size}`);
    t.ok(verifyMerkleInclusion(sha256, leaves[index]!, index, size, path, fromHex(CT_ROOTS[size - 1]!)));
  }
});

t.test('leaves and nodes are domain-separated', async (t) => {
  const a = Uint8Array.of(1);
  t.equal(toHex(merkleLeafHash(sha256, a)), toHex(sha256(Uint8Array.of(0, 1))));
  const l = merkleLeafHash(sha256, a);
  const r = merkleLeafHash(sha256, Uint8Array.of(2));
  t.equal(toHex(merkleNodeHash(sha256, l, r)), toHex(sha256(concatBytes(Uint8Array.of(1), l, r))));
  // An inner node is not a leaf: a one-leaf "tree" whose data is left ‖ right has another root.
  t.notOk(bytesEqual(merkleRoot(sha256, [merkleLeafHash(sha256, concatBytes(l, r))]), merkleRoot(sha256, [l, r])));
});

t.test('the test reference agrees with merkleInclusionPath (sanity of the reference)', async (t) => {
  for (let n = 1; n <= 20; n++) {
    const leaves = leavesOf(sha256, data(n));
    const root = merkleRoot(sha256, leaves);
    for (let i = 0; i < n; i++) {
      const path = merkleInclusionPath(sha256, leaves, i);
      t.equal(path.length, pathLength(i, n));
      const r = refRootFromPath(sha256, leaves[i]!, i, n, path);
      t.ok(r !== null && bytesEqual(r, root), `leaf ${i} of ${n}`);
    }
  }
});

// Blocks carry up to 2^32 - 1 transactions (u32 count), so the verifier must be exact far beyond
// the sizes one can build: proofs with arbitrary sibling values, rooted by the reference.
t.test('property: valid proofs verify for any tree size a block can have (up to 2^32 - 1)', async (t) => {
  const size = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 2 ** 31 - 3, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 2 ** 32 - 1 }));
  const failures: string[] = [];
  fc.assert(
    fc.property(size, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 }), (n, at, seed) => {
      const index = Math.min(n - 1, Math.floor(at * n));
      const leaf = sha256(Uint8Array.of(seed & 0xff, seed >> 8));
      const path = Array.from({ length: pathLength(index, n) }, (_, j) => sha256(Uint8Array.of(j, seed & 0xff)));
      const root = refRootFromPath(sha256, leaf, index, n, path)!;
      const ok = verifyMerkleInclusion(sha256, leaf, index, n, path, root);
      if (!ok) failures.push(`index ${index} of ${n}`);
      return true;
    }),
    { numRuns: 300 },
  );
  t.same(failures.slice(0, 5), [], `${failures.length} valid proofs refused`);
  // The last leaf of 2^31 + 1 leaves sits right of a 2^31-leaf subtree X: its path is [X].
  const x = sha256(Uint8Array.of(9));
  const leaf = sha256(Uint8Array.of(7));
  t.ok(verifyMerkleInclusion(sha256, leaf, 2 ** 31, 2 ** 31 + 1, [x], merkleNodeHash(sha256, x, leaf)), 'last leaf of 2^31 + 1');
});

t.test('a two-leaf proof never passes for a huge tree (no 32-bit wrap-around)', async (t) => {
  const l0 = merkleLeafHash(sha256, Uint8Array.of(1));
  const l1 = merkleLeafHash(sha256, Uint8Array.of(2));
  const root = merkleNodeHash(sha256, l0, l1);
  t.ok(verifyMerkleInclusion(sha256, l0, 0, 2, [l1], root));
  for (const size of [2 ** 32 + 1, 2 ** 32 + 2, 2 ** 33 + 1, 2 ** 40 + 2]) {
    t.notOk(verifyMerkleInclusion(sha256, l0, 0, size, [l1], root), `size ${size}`);
  }
  t.notOk(verifyMerkleInclusion(sha256, l1, 2 ** 32 + 1, 2 ** 32 + 2, [l0], root), 'index 2^32 + 1 of 2^32 + 2');
});

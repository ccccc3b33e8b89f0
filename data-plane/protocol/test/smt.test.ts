// The sparse Merkle state tree (proof/smt.ts) and state proofs over the wire (proof/wire.ts).
// Proofs come from a test-only prover that recurses on the definition in smt.ts's header.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  bytesEqual,
  concatBytes,
  type CryptoSuite,
  encodeBlockHeader,
  type HashFn,
  pathBit,
  SMT_DEPTH,
  SMT_EMPTY,
  type SmtLeaf,
  smtLeafHash,
  smtNodeHash,
  smtPath,
  type SmtProof,
  smtReferenceRoot,
  type StateProofJson,
  SUITE_IDS,
  suiteById,
  toHex,
  utf8,
  verifySmtProof,
  verifyStateProof,
  ZERO_HASH,
} from '../src/index.js';

type Tree = { readonly kind: 'empty' } | { readonly kind: 'leaf'; readonly leaf: SmtLeaf } | { readonly kind: 'node'; readonly left: Tree; readonly right: Tree; readonly hash: Uint8Array };

const bit = (p: Uint8Array, i: number): number => (p[Math.floor(i / 8)]! >> (7 - (i % 8))) & 1;

function build(h: HashFn, leaves: readonly SmtLeaf[], depth = 0): Tree {
  if (leaves.length === 0) return { kind: 'empty' };
  if (leaves.length === 1) return { kind: 'leaf', leaf: leaves[0]! };
  const left = build(h, leaves.filter((l) => bit(l.path, depth) === 0), depth + 1);
  const right = build(h, leaves.filter((l) => bit(l.path, depth) === 1), depth + 1);
  return { kind: 'node', left, right, hash: h(concatBytes(Uint8Array.of(1), hashOf(h, left), hashOf(h, right))) };
}

function hashOf(h: HashFn, n: Tree): Uint8Array {
  if (n.kind === 'empty') return new Uint8Array(32);
  if (n.kind === 'leaf') return h(concatBytes(Uint8Array.of(0), n.leaf.path, n.leaf.valueHash));
  return n.hash;
}

/** Walks the key's path from the root to a leaf or an empty subtree, collecting siblings. */
function prove(h: HashFn, tree: Tree, key: Uint8Array): SmtProof {
  const path = h(concatBytes(Uint8Array.of(2), key));
  const siblings: Uint8Array[] = [];
  let n = tree;
  while (n.kind === 'node') {
    const b = bit(path, siblings.length);
    siblings.push(hashOf(h, b === 0 ? n.right : n.left));
    n = b === 0 ? n.left : n.right;
  }
  return { siblings, terminal: n.kind === 'empty' ? { kind: 'empty' } : { kind: 'leaf', ...n.leaf } };
}

/** The root a proof leads to along `path` (no checks): to build self-consistent forgeries. */
function fold(h: HashFn, path: Uint8Array, terminalHash: Uint8Array, siblings: readonly Uint8Array[]): Uint8Array {
  let x = terminalHash;
  for (let i = siblings.length - 1; i >= 0; i--) x = bit(path, i) === 0 ? smtNodeHash(h, x, siblings[i]!) : smtNodeHash(h, siblings[i]!, x);
  return x;
}

interface State {
  readonly h: HashFn;
  readonly entries: Map<string, Uint8Array>;
  readonly tree: Tree;
  readonly root: Uint8Array;
}

function stateOf(suite: CryptoSuite, entries: Map<string, Uint8Array>): State {
  const h: HashFn = (d) => suite.hash(d);
  const leaves = [...entries].map(([k, v]) => ({ path: h(concatBytes(Uint8Array.of(2), utf8(k))), valueHash: h(v) }));
  const tree = build(h, leaves);
  return { h, entries, tree, root: hashOf(h, tree) };
}

const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const c = Uint8Array.from(b);
  c[i >> 3]! ^= 1 << (i & 7);
  return c;
};

const keyArb = fc.string({ unit: 'binary', maxLength: 10 });
const entriesArb = (max: number): fc.Arbitrary<Map<string, Uint8Array>> =>
  fc.uniqueArray(fc.tuple(keyArb, fc.uint8Array({ maxLength: 12 })), { maxLength: max, selector: ([k]) => k }).map((kv) => new Map(kv));

t.test('definitions: path, leaf and node hashes; bits are most significant first', async (t) => {
  const h: HashFn = (d) => suiteById('intl').hash(d);
  const key = utf8('acct/alice');
  t.ok(bytesEqual(smtPath(h, key), h(concatBytes(Uint8Array.of(2), key))));
  const p = smtPath(h, key);
  const vh = h(utf8('100'));
  t.ok(bytesEqual(smtLeafHash(h, p, vh), h(concatBytes(Uint8Array.of(0), p, vh))));
  t.ok(bytesEqual(smtNodeHash(h, p, vh), h(concatBytes(Uint8Array.of(1), p, vh))));
  const x = Uint8Array.of(0b10100000, 0b00000001);
  t.same([0, 1, 2, 3, 7, 8, 15].map((i) => pathBit(x, i)), [1, 0, 1, 0, 0, 0, 1]);
  t.equal(SMT_DEPTH, 256);
  t.ok(bytesEqual(SMT_EMPTY, new Uint8Array(32)));
  t.ok(bytesEqual(smtReferenceRoot(h, new Map()), SMT_EMPTY), 'empty state');
  const one = new Map([['k', utf8('v')]]);
  t.ok(bytesEqual(smtReferenceRoot(h, one), smtLeafHash(h, smtPath(h, utf8('k')), h(utf8('v')))), 'a lone entry sits at the root');
});

function checkState(t: Test, suite: CryptoSuite, numRuns: number, maxKeys: number): void {
  t.test(`property (${suite.id}): membership and absence proofs from the definition verify; others fail`, async (t) => {
    const seen = { member: 0, absentEmpty: 0, absentLeaf: 0 };
    fc.assert(
      fc.property(entriesArb(maxKeys), fc.array(keyArb, { maxLength: 6 }), (entries, probes) => {
        const s = stateOf(suite, entries);
        if (!bytesEqual(smtReferenceRoot(s.h, entries), s.root)) return false;
        for (const [k, v] of [...entries].slice(0, 6)) {
          const key = utf8(k);
          const proof = prove(s.h, s.tree, key);
          seen.member++;
          if (!verifySmtProof(s.h, s.root, key, v, proof)) return false;
          if (verifySmtProof(s.h, s.root, key, concatBytes(v, Uint8Array.of(0)), proof)) return false;
          if (verifySmtProof(s.h, s.root, key, null, proof)) return false;
        }
        for (const k of probes.filter((p) => !entries.has(p))) {
          const key = utf8(k);
          const proof = prove(s.h, s.tree, key);
          if (proof.terminal.kind === 'empty') seen.absentEmpty++;
          else seen.absentLeaf++;
          if (!verifySmtProof(s.h, s.root, key, null, proof)) return false;
          if (verifySmtProof(s.h, s.root, key, new Uint8Array(0), proof)) return false;
        }
        return true;
      }),
      { numRuns },
    );
    // With few runs (slow hashes) coverage is left to the fixed cases further down.
    if (numRuns >= 100) t.ok(seen.member > 0 && seen.absentEmpty > 0 && seen.absentLeaf > 0, `covered: ${JSON.stringify(seen)}`);
    else t.pass(`covered: ${JSON.stringify(seen)}`);
  });
}

checkState(t, suiteById('intl'), 120, 60);
checkState(t, suiteById('sm'), 12, 40);
checkState(t, suiteById('gost'), 5, 30);

t.test('property: the root is a function of the set, not of the insertion order', async (t) => {
  const h: HashFn = (d) => suiteById('intl').hash(d);
  fc.assert(
    fc.property(
      entriesArb(40).chain((m) => fc.tuple(fc.constant(m), fc.shuffledSubarray([...m], { minLength: m.size, maxLength: m.size }))),
      ([m, shuffled]) => {
        const a = smtReferenceRoot(h, m);
        const b = smtReferenceRoot(h, new Map(shuffled));
        const c = smtReferenceRoot(h, shuffled.map(([k, v]) => [utf8(k), v] as const));
        return bytesEqual(a, b) && bytesEqual(a, c);
      },
    ),
    { numRuns: 60 },
  );
  t.pass('order independent');
});

/** A fixed state with a member, an absent key ending in EMPTY and one ending in another leaf. */
function fixture(suite: CryptoSuite): { s: State; member: string; absentEmpty: string; absentLeaf: string } {
  const entries = new Map(Array.from({ length: 40 }, (_, i) => [`acct/${i}`, utf8(`balance ${i * 7}`)] as const));
  const s = stateOf(suite, entries);
  const find = (kind: 'empty' | 'leaf'): string => {
    for (let i = 0; ; i++) {
      const p = prove(s.h, s.tree, utf8(`absent/${i}`));
      if (p.terminal.kind === kind && p.siblings.length > 0) return `absent/${i}`;
    }
  };
  return { s, member: 'acct/7', absentEmpty: find('empty'), absentLeaf: find('leaf') };
}

t.test('tampered siblings, values, terminals and roots fail', async (t) => {
  const { s, member, absentEmpty, absentLeaf } = fixture(suiteById('intl'));
  for (const [k, value] of [
    [member, s.entries.get(member)!],
    [absentEmpty, null],
    [absentLeaf, null],
  ] as const) {
    const key = utf8(k);
    const proof = prove(s.h, s.tree, key);
    const ok = (p: SmtProof, v: Uint8Array | null = value, root = s.root): boolean => verifySmtProof(s.h, root, key, v, p);
    t.ok(ok(proof), `${k}: the honest proof verifies`);
    for (let i = 0; i < proof.siblings.length; i++) {
      t.notOk(ok({ ...proof, siblings: proof.siblings.map((x, j) => (j === i ? flip(x, 3) : x)) }), `${k}: sibling ${i} flipped`);
    }
    t.notOk(ok({ ...proof, siblings: proof.siblings.slice(1) }), `${k}: first sibling dropped`);
    t.notOk(ok({ ...proof, siblings: proof.siblings.slice(0, -1) }), `${k}: last sibling dropped`);
    t.notOk(ok({ ...proof, siblings: [...proof.siblings, SMT_EMPTY] }), `${k}: sibling appended`);
    t.notOk(ok({ ...proof, siblings: proof.siblings.map((x) => x.subarray(0, 31)) }), `${k}: short siblings`);
    t.notOk(ok(proof, value, flip(s.root)), `${k}: another root`);
    const term = proof.terminal;
    if (term.kind === 'leaf') {
      t.notOk(ok({ ...proof, terminal: { ...term, path: flip(term.path, 255) } }), `${k}: terminal path flipped`);
      t.notOk(ok({ ...proof, terminal: { ...term, valueHash: flip(term.valueHash) } }), `${k}: terminal value hash flipped`);
      t.notOk(ok({ ...proof, terminal: { kind: 'empty' } }), `${k}: leaf replaced by EMPTY`);
    } else {
      const other = prove(s.h, s.tree, utf8(member)).terminal;
      t.notOk(ok({ ...proof, terminal: other }), `${k}: EMPTY replaced by a leaf`);
    }
    if (value !== null) t.notOk(ok(proof, utf8('balance 0')), `${k}: another value`);
    else t.notOk(ok(proof, new Uint8Array(0)), `${k}: claimed present`);
  }
});

t.test('an absence proof whose leaf diverges from the key within the proof depth fails', async (t) => {
  const { s, absentLeaf } = fixture(suiteById('intl'));
  const key = utf8(absentLeaf);
  const path = smtPath(s.h, key);
  const honest = prove(s.h, s.tree, key);
  t.equal(honest.terminal.kind, 'leaf');
  // Self-consistent forgeries: the root is folded along the key's path, so only the divergence
  // check can refuse them. Leaves of keys whose paths leave the key's within `depth` bits:
  let tried = 0;
  for (const k of s.entries.keys()) {
    const leaf = prove(s.h, s.tree, utf8(k)).terminal;
    if (leaf.kind !== 'leaf') continue;
    let d = 0;
    while (bit(leaf.path, d) === bit(path, d)) d++;
    const depth = Math.max(honest.siblings.length, d + 1);
    const siblings = Array.from({ length: depth }, (_, i) => honest.siblings[i] ?? s.h(Uint8Array.of(i)));
    const root = fold(s.h, path, smtLeafHash(s.h, leaf.path, leaf.valueHash), siblings);
    t.notOk(verifySmtProof(s.h, root, key, null, { siblings, terminal: leaf }), `leaf of ${k} diverging at bit ${d} < ${depth}`);
    if (++tried === 5) break;
  }
  t.equal(tried, 5);
  // Control: the same construction with a leaf that agrees on the first `depth` bits is accepted.
  const t0 = honest.terminal;
  if (t0.kind === 'leaf') {
    const root = fold(s.h, path, smtLeafHash(s.h, t0.path, t0.valueHash), honest.siblings);
    t.ok(bytesEqual(root, s.root));
    t.ok(verifySmtProof(s.h, root, key, null, honest));
    t.notOk(verifySmtProof(s.h, root, key, null, { siblings: honest.siblings, terminal: { ...t0, path: t0.path.subarray(0, 31) } }), 'a 31-byte leaf path');
  }
  // A membership claim with another key's leaf as terminal fails too.
  t.notOk(verifySmtProof(s.h, s.root, key, utf8('x'), honest));
});

t.test('a membership proof for a deleted key fails; the new proof shows absence', async (t) => {
  const { s, member } = fixture(suiteById('intl'));
  const key = utf8(member);
  const before = prove(s.h, s.tree, key);
  t.ok(verifySmtProof(s.h, s.root, key, s.entries.get(member)!, before));
  const entries = new Map(s.entries);
  entries.delete(member);
  const after = stateOf(suiteById('intl'), entries);
  t.ok(bytesEqual(after.root, smtReferenceRoot(after.h, entries)));
  t.notOk(verifySmtProof(s.h, after.root, key, s.entries.get(member)!, before), 'old membership proof, new root');
  const absent = prove(s.h, after.tree, key);
  t.ok(verifySmtProof(s.h, after.root, key, null, absent), 'absence after deletion');
  t.notOk(verifySmtProof(s.h, s.root, key, null, absent), 'that absence proof does not hold before the deletion');
  t.notOk(verifySmtProof(s.h, after.root, key, s.entries.get(member)!, absent));
});

t.test('proof depth is bounded by SMT_DEPTH', async (t) => {
  const h: HashFn = (d) => suiteById('intl').hash(d);
  const key = utf8('deep');
  const path = smtPath(h, key);
  for (const depth of [SMT_DEPTH, SMT_DEPTH + 1]) {
    const siblings = Array.from({ length: depth }, (_, i) => h(Uint8Array.of(i & 0xff, i >> 8)));
    const root = fold(h, path, SMT_EMPTY, siblings);
    t.equal(verifySmtProof(h, root, key, null, { siblings, terminal: { kind: 'empty' } }), depth <= SMT_DEPTH, `depth ${depth}`);
  }
});

// ---- State proofs as JSON (proof/wire.ts)
function stateProofJson(suite: CryptoSuite, s: State, k: string, height = 9): StateProofJson {
  const header = encodeBlockHeader({ suite: suite.id, channel: 'ledger', height, prevHash: ZERO_HASH, txRoot: s.h(new Uint8Array(0)), stateRoot: s.root, timestamp: 1_700_000_000_000, proposer: 2, txCount: 0 });
  const p = prove(s.h, s.tree, utf8(k));
  const v = s.entries.get(k);
  return {
    key: k,
    value: v === undefined ? null : toHex(v),
    height,
    header: toHex(header),
    siblings: p.siblings.map(toHex),
    terminal: p.terminal.kind === 'empty' ? { kind: 'empty' } : { kind: 'leaf', path: toHex(p.terminal.path), valueHash: toHex(p.terminal.valueHash) },
  };
}

const flipHex = (hex: string, at = 0): string => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

t.test('verifyStateProof: valid proofs of every suite return the header; tampered fields return null', async (t) => {
  for (const id of SUITE_IDS) {
    const suite = suiteById(id);
    const { s, member, absentEmpty, absentLeaf } = fixture(suite);
    for (const k of [member, absentEmpty, absentLeaf]) {
      const p = stateProofJson(suite, s, k);
      const header = verifyStateProof(suite, p);
      t.ok(header !== null && bytesEqual(header.stateRoot, s.root) && header.height === 9, `${id} ${k}: verifies`);
      const other = suiteById(SUITE_IDS.find((x) => x !== id)!);
      t.equal(verifyStateProof(other, p), null, `${id} ${k}: another suite`);
      if (id !== 'intl') continue;
      const tampered: [string, unknown][] = [
        ['key', { ...p, key: k + 'x' }],
        ['value', { ...p, value: p.value === null ? '00' : flipHex(p.value.padStart(2, '0')) }],
        ['value removed', { ...p, value: p.value === null ? '' : null }],
        ['height', { ...p, height: 10 }],
        ['header state root', { ...p, header: flipHex(p.header, p.header.length - 2 * (32 + 16) + 5) }],
        ['header', { ...p, header: p.header + '00' }],
        ['header upper case', { ...p, header: p.header.toUpperCase() }],
        ['sibling', { ...p, siblings: p.siblings.map((x, i) => (i === 0 ? flipHex(x, 7) : x)) }],
        ['sibling dropped', { ...p, siblings: p.siblings.slice(1) }],
        ['sibling upper case', { ...p, siblings: p.siblings.map((x) => x.toUpperCase()) }],
        ['terminal', { ...p, terminal: p.terminal.kind === 'empty' ? stateProofJson(suite, s, member).terminal : { kind: 'empty' } }],
      ];
      if (p.terminal.kind === 'leaf') {
        tampered.push(['terminal path', { ...p, terminal: { ...p.terminal, path: flipHex(p.terminal.path, 63) } }]);
        tampered.push(['terminal value hash', { ...p, terminal: { ...p.terminal, valueHash: flipHex(p.terminal.valueHash) } }]);
        tampered.push(['terminal path short', { ...p, terminal: { ...p.terminal, path: p.terminal.path.slice(2) } }]);
      }
      for (const [what, q] of tampered) t.equal(verifyStateProof(suite, q as StateProofJson), null, `${k}: ${what}`);
    }
  }
});

t.test('verifyStateProof refuses JSON of the wrong shape (unknown terminal kind, non-string key)', async (t) => {
  const suite = suiteById('intl');
  const { s, member, absentLeaf } = fixture(suite);
  const m = stateProofJson(suite, s, member);
  const a = stateProofJson(suite, s, absentLeaf);
  t.not(verifyStateProof(suite, m), null);
  for (const kind of ['LEAF', 'bogus', 'Leaf']) {
    t.equal(verifyStateProof(suite, { ...m, terminal: { ...m.terminal, kind } } as unknown as StateProofJson), null, `member, kind ${kind}`);
    t.equal(verifyStateProof(suite, { ...a, terminal: { ...a.terminal, kind } } as unknown as StateProofJson), null, `absent, kind ${kind}`);
  }
  t.equal(verifyStateProof(suite, { ...m, key: [member] } as unknown as StateProofJson), null, 'key as an array');
});

t.test('property: verifyStateProof never throws on garbage', async (t) => {
  const suite = suiteById('intl');
  const { s, member, absentLeaf } = fixture(suite);
  const base = [stateProofJson(suite, s, member), stateProofJson(suite, s, absentLeaf)];
  const fields = ['key', 'value', 'height', 'header', 'siblings', 'terminal'] as const;
  fc.assert(
    fc.property(fc.anything(), fc.nat({ max: 1 }), fc.constantFrom(...fields), fc.jsonValue(), (junk, which, field, v) => {
      if (JSON.stringify(v) === JSON.stringify(base[which]![field])) return true;
      const replaced = { ...base[which]!, [field]: v };
      const nested = { ...base[which]!, terminal: { ...base[which]!.terminal, path: v, valueHash: v } };
      // An absence proof also proves the absence of any other key whose path reaches the same
      // terminal leaf: with `key` replaced by such a key it verifies, and rightly so (the key is absent).
      const honestAbsence = (q: unknown): boolean => q === replaced && field === 'key' && typeof v === 'string' && replaced.value === null && !s.entries.has(v);
      return [junk, replaced, nested, { ...base[which]!, siblings: [v] }].every((q) => verifyStateProof(suite, q as StateProofJson) === null || honestAbsence(q));
    }),
    { numRuns: 400 },
  );
  t.pass('null, never an exception');
});

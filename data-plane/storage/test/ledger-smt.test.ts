// The incremental sparse Merkle tree against protocol's specification (smtReferenceRoot,
// verifySmtProof): random batches of puts and deletes, proofs now and at past roots, tampering.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { type HashFn, intlSuite, SMT_EMPTY, smtPath, smtReferenceRoot, type SmtProof, utf8, verifySmtProof } from '@konsortium/protocol';
import { LedgerStoreError, type SmtNodeSource, type SmtUpdate, SparseMerkleTree } from '../src/index.js';

const sha256: HashFn = (d) => createHash('sha256').update(d).digest();
const intl: HashFn = (d) => intlSuite.hash(d);
/** Paths share their first 232 bits (only the last 3 bytes vary): trees 230+ levels deep. */
const deep: HashFn = (d) => {
  const h = sha256(d);
  if (d[0] !== 2) return h;
  const p = new Uint8Array(32);
  p.set(h.subarray(29), 29);
  return p;
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

class MemNodes implements SmtNodeSource {
  readonly map = new Map<string, Uint8Array>();
  getNode(h: Uint8Array): Uint8Array | undefined {
    return this.map.get(hex(h));
  }
  add(u: SmtUpdate): void {
    for (const [k, n] of u.newNodes) {
      if (n.length !== 65) throw new Error('node of the wrong size');
      this.map.set(k, n);
    }
  }
}

// A fixed pool of keys, so that batches overwrite and delete existing keys (and absent ones).
const POOL = [...Array.from({ length: 56 }, (_, i) => `key-${i}`), '', 'ü', '日本語', 'a/b/c', 'x'.repeat(300), '🙂', 'key-0 ', 'KEY-0'];

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LedgerStoreError ? e.code : `not a LedgerStoreError: ${String(e)}`;
  }
  return undefined;
}

function distinctPaths(hash: HashFn): boolean {
  return new Set(POOL.map((k) => hex(smtPath(hash, utf8(k))))).size === POOL.length;
}

// Values never start with 0x02 (the path domain), so the deep hash stays strong on values.
const valueArb = fc.uint8Array({ maxLength: 12 }).map((b) => Uint8Array.of(0x76, ...b));
const batchArb = fc.array(fc.tuple(fc.integer({ min: 0, max: POOL.length - 1 }), fc.option(valueArb, { nil: null })), { maxLength: 24 });
const historyArb = fc.array(batchArb, { minLength: 1, maxLength: 12 });

function proofHolds(hash: HashFn, root: Uint8Array, key: string, value: Uint8Array | null, proof: SmtProof): boolean {
  return verifySmtProof(hash, root, utf8(key), value, proof);
}

/** Applies the batches, checking each root; then checks lookups and proofs of `proofKeys` at every past root. */
function runHistory(t: Test, hash: HashFn, batches: readonly (readonly [number, Uint8Array | null][])[], proofKeys: readonly string[]): boolean {
  const nodes = new MemNodes();
  const tree = new SparseMerkleTree(hash, nodes);
  const model = new Map<string, Uint8Array>();
  const history: { root: Uint8Array; state: Map<string, Uint8Array> }[] = [];
  let root: Uint8Array = SMT_EMPTY;
  for (const batch of batches) {
    const writes = new Map<string, Uint8Array | null>();
    for (const [i, v] of batch) writes.set(POOL[i]!, v);
    const u = tree.update(root, writes);
    nodes.add(u);
    for (const [k, v] of writes) {
      if (v === null) model.delete(k);
      else model.set(k, v);
    }
    const expected = smtReferenceRoot(hash, model);
    if (hex(u.root) !== hex(expected)) {
      t.fail(`root differs from the reference after ${history.length + 1} batches`);
      return false;
    }
    root = u.root;
    history.push({ root, state: new Map(model) });
  }
  // Every past root still proves its own state, for present and absent keys alike.
  for (const { root: r, state } of history) {
    for (const key of proofKeys) {
      const { proof, valueHash } = tree.prove(r, key);
      const value = state.get(key) ?? null;
      const lookedUp = tree.lookup(r, key);
      const want = value === null ? null : hex(hash(value));
      if ((valueHash === null ? null : hex(valueHash)) !== want || (lookedUp === null ? null : hex(lookedUp)) !== want) {
        t.fail(`lookup of "${key}" at a past root`);
        return false;
      }
      if (!proofHolds(hash, r, key, value, proof)) {
        t.fail(`proof of "${key}" at a past root does not verify`);
        return false;
      }
    }
  }
  return true;
}

t.test('the key pool has distinct paths under every hash used', async (t) => {
  t.ok(distinctPaths(sha256) && distinctPaths(intl) && distinctPaths(deep));
});

t.test('random batches: root equals the reference after every batch; past proofs hold', async (t) => {
  fc.assert(
    fc.property(historyArb, (batches) => runHistory(t, intl, batches, POOL)),
    { numRuns: 60 },
  );
});

t.test('random batches with paths sharing 232-bit prefixes (deep trees)', async (t) => {
  fc.assert(
    // Each proof there has ~230 siblings: prove a sample of the keys.
    fc.property(historyArb, (batches) => runHistory(t, deep, batches, POOL.filter((_, i) => i % 7 === 0))),
    { numRuns: 25 },
  );
});

t.test('tampered proofs and values fail', async (t) => {
  const nodes = new MemNodes();
  const tree = new SparseMerkleTree(sha256, nodes);
  const writes = new Map<string, Uint8Array | null>(POOL.slice(0, 40).map((k) => [k, utf8(`value of ${k}`)]));
  const u = tree.update(SMT_EMPTY, writes);
  nodes.add(u);
  for (const key of POOL.slice(0, 40)) {
    const { proof } = tree.prove(u.root, key);
    const value = utf8(`value of ${key}`);
    t.ok(proofHolds(sha256, u.root, key, value, proof), `${key}: holds`);
    t.notOk(proofHolds(sha256, u.root, key, utf8('another value'), proof), `${key}: another value fails`);
    t.notOk(proofHolds(sha256, u.root, key, null, proof), `${key}: claimed absent fails`);
    t.notOk(proofHolds(sha256, u.root, `${key}!`, value, proof), `${key}: another key fails`);
    for (let i = 0; i < proof.siblings.length; i++) {
      const siblings = proof.siblings.map((s, j) => (j === i ? Uint8Array.from(s, (b, k) => (k === 31 ? b ^ 1 : b)) : s));
      t.notOk(proofHolds(sha256, u.root, key, value, { ...proof, siblings }), `${key}: sibling ${i} flipped fails`);
    }
    t.notOk(proofHolds(sha256, u.root, key, value, { ...proof, siblings: proof.siblings.slice(1) }), `${key}: a sibling dropped fails`);
    const wrongRoot = Uint8Array.from(u.root, (b, k) => (k === 0 ? b ^ 0x80 : b));
    t.notOk(proofHolds(sha256, wrongRoot, key, value, proof), `${key}: another root fails`);
  }
  for (const key of POOL.slice(40)) {
    const { proof, valueHash } = tree.prove(u.root, key);
    t.equal(valueHash, null);
    t.ok(proofHolds(sha256, u.root, key, null, proof), `absent ${key}: holds`);
    t.notOk(proofHolds(sha256, u.root, key, utf8('x'), proof), `absent ${key}: claimed present fails`);
  }
});

t.test('thousands of keys: insert in batches, then delete them all in random order', async (t) => {
  const nodes = new MemNodes();
  const tree = new SparseMerkleTree(sha256, nodes);
  const model = new Map<string, Uint8Array>();
  const keys = Array.from({ length: 3000 }, (_, i) => `account/${i}/balance`);
  let root: Uint8Array = SMT_EMPTY;
  const step = (writes: Map<string, Uint8Array | null>): void => {
    const u = tree.update(root, writes);
    nodes.add(u);
    root = u.root;
    for (const [k, v] of writes) {
      if (v === null) model.delete(k);
      else model.set(k, v);
    }
  };
  for (let b = 0; b < 10; b++) {
    step(new Map(keys.slice(b * 300, (b + 1) * 300).map((k) => [k, utf8(`${k}=${b}`)])));
    t.equal(hex(root), hex(smtReferenceRoot(sha256, model)), `after insert batch ${b}`);
  }
  // A fixed shuffle (xorshift), mixing deletes with overwrites and deletes of absent keys.
  let s = 12345;
  const rand = (): number => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
  const order = [...keys].sort(() => rand() - 0.5);
  for (let b = 0; b < 12; b++) {
    const writes = new Map<string, Uint8Array | null>(order.slice(b * 250, (b + 1) * 250).map((k) => [k, null]));
    writes.set(`absent-${b}`, null);
    if (b < 11) writes.set(order[(b + 1) * 250 + 7]!, utf8(`overwritten ${b}`));
    step(writes);
    t.equal(hex(root), hex(smtReferenceRoot(sha256, model)), `after delete batch ${b} (${model.size} left)`);
  }
  t.equal(model.size, 0);
  t.equal(hex(root), hex(SMT_EMPTY), 'all deleted: EMPTY');
});

t.test('a batch hashes shared upper nodes once', async (t) => {
  let calls = 0;
  const counting: HashFn = (d) => {
    calls++;
    return sha256(d);
  };
  const nodes = new MemNodes();
  const tree = new SparseMerkleTree(counting, nodes);
  const base = tree.update(SMT_EMPTY, new Map(Array.from({ length: 4096 }, (_, i) => [`k${i}`, utf8(`v${i}`)])));
  nodes.add(base);
  const writes = Array.from({ length: 256 }, (_, i) => [`k${i * 16}`, utf8(`new ${i}`)] as const);
  calls = 0;
  const batched = tree.update(base.root, new Map(writes));
  const batchCalls = calls;
  calls = 0;
  let root = base.root;
  for (const [k, v] of writes) {
    const u = tree.update(root, new Map([[k, v]]));
    nodes.add(u);
    root = u.root;
  }
  const oneByOneCalls = calls;
  t.equal(hex(batched.root), hex(root), 'same root either way');
  t.ok(batchCalls < oneByOneCalls * 0.6, `batch: ${batchCalls} hashes, one by one: ${oneByOneCalls}`);
});

t.test('update is pure, no-op writes create nothing, a missing node is CORRUPT', async (t) => {
  const nodes = new MemNodes();
  const tree = new SparseMerkleTree(sha256, nodes);
  const u = tree.update(SMT_EMPTY, new Map(POOL.slice(0, 10).map((k) => [k, utf8(k)])));
  t.equal(nodes.map.size, 0, 'update wrote nothing');
  nodes.add(u);
  const same = tree.update(u.root, new Map<string, Uint8Array | null>([['absent', null], [POOL[0]!, utf8(POOL[0]!)]]));
  t.equal(hex(same.root), hex(u.root));
  t.equal(same.newNodes.size, 0, 'deleting an absent key and rewriting a value create no node');
  t.equal(same.added.length, 0);
  const empty = tree.update(u.root, new Map());
  t.equal(hex(empty.root), hex(u.root));
  t.equal(tree.update(SMT_EMPTY, new Map([['k', null]])).root, SMT_EMPTY, 'deleting from EMPTY is EMPTY');
  const added = tree.update(u.root, new Map([[POOL[20]!, utf8('v')], [POOL[1]!, utf8('changed')]])).added;
  t.same(
    added.map((a) => new TextDecoder().decode(a.key)),
    [POOL[20]],
    'only the new key is reported as added',
  );
  const lonely = new SparseMerkleTree(sha256, new MemNodes());
  t.equal(errorCode(() => lonely.prove(u.root, 'k')), 'CORRUPT');
  t.equal(errorCode(() => lonely.update(u.root, new Map([['k', utf8('v')]]))), 'CORRUPT');
});

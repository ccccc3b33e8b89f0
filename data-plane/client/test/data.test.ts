// Encrypted records in the SDK (data.ts) against fake nodes that speak the real key-release
// protocol (fake-release-node.ts): sealing a version, the owner's way in, decryption checks,
// key release from t of n nodes with refusals and lying nodes, blobs, readRecord over proven
// state, and base64.
import fc from 'fast-check';
import t from 'tap';
import {
  AEAD_OVERHEAD,
  aeadOpen,
  combineShares,
  contentHash,
  dataKeyOf,
  fromHex,
  gostSuite,
  keyReleaseMessage,
  nobleX25519,
  openSealed,
  ownerKeyContext,
  plaintextHash,
  publicPointOf,
  randomScalar,
  recordAad,
  scalarFromBytes,
  shareContext,
  type Share,
  splitSecret,
  toHex,
  utf8,
  verifyShare,
  type X25519Backend,
  x25519KeyPair,
  type X25519KeyPair,
} from '@konsortium/protocol';
import {
  DEFAULT_INLINE_LIMIT,
  decryptVersion,
  fetchCiphertext,
  fromBase64,
  KeyReleaseError,
  KonsortiumClient,
  KonsortiumError,
  majority,
  ownerSecret,
  readRecord,
  releaseAndDecrypt,
  requestKey,
  sealRecordVersion,
  type SealedVersion,
  Signer,
  type StoredVersion,
  toBase64,
  uploadBlob,
  type VersionBody,
} from '../src/index.js';
import { FakeCluster, type FakeReleaseNode, type Misbehaviour, RELEASE_FIELDS } from './fake-release-node.js';
import { CHANNEL } from './helpers/chain.js';

const CH = CHANNEL;
const RECORD = 'loan-42';

function inlineOf(body: VersionBody): string {
  if (!('inline' in body)) throw new Error('expected an inline body');
  return body.inline;
}

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at]! ^= 0x01;
  return out;
}

// ---------------------------------------------------------------------------------------------
// sealRecordVersion

t.test('sealRecordVersion: one share per node sorted by node id, majority threshold, commitments, owner key', (t) => {
  const cluster = new FakeCluster([7, 2, 9, 4, 1]);
  const owner = x25519KeyPair();
  const plaintext = utf8('loan agreement #42: 1 000 000 EUR at 3.5 %');
  const { args, blob } = sealRecordVersion({
    channel: CH,
    record: RECORD,
    version: 3,
    plaintext,
    nodes: cluster.sealNodes,
    ownerSealKey: owner.publicKey,
    meta: { contentType: 'text/plain', name: 'loan.txt' },
  });
  t.equal(args.threshold, 3, 'default threshold: a majority of 5');
  t.equal(args.commitments.length, 3, 'one commitment per coefficient');
  t.same(
    args.shares.map((s) => s.nodeId),
    [1, 2, 4, 7, 9],
    'shares sorted by node id',
  );
  t.same([...args.shares.map((s) => s.index)].sort((a, b) => a - b), [1, 2, 3, 4, 5], 'distinct indices 1..n');
  t.equal(args.plaintextHash, plaintextHash(plaintext));
  t.equal(args.size, plaintext.length);
  t.same(args.meta, { contentType: 'text/plain', name: 'loan.txt' });
  t.equal(blob, null, 'small ciphertext goes inline');

  const commitments = args.commitments.map((c) => fromHex(c));
  const opened: Share[] = [];
  for (const s of args.shares) {
    const node = cluster.node(s.nodeId);
    const value = openSealed(node.seal.privateKey, fromHex(s.sealed), shareContext(CH, RECORD, 3, s.nodeId));
    t.ok(verifyShare({ index: s.index, value }, commitments), `node ${s.nodeId}'s share verifies against the commitments`);
    opened.push({ index: s.index, value });
  }
  const [first, second] = args.shares;
  t.throws(() => openSealed(cluster.node(2).seal.privateKey, fromHex(first!.sealed), shareContext(CH, RECORD, 3, 1)), { code: 'DECRYPT_FAILED' }, "another node's key does not open node 1's share");
  t.throws(() => openSealed(cluster.node(1).seal.privateKey, fromHex(first!.sealed), shareContext(CH, RECORD, 3, 2)), { code: 'DECRYPT_FAILED' }, 'the context names the node');
  t.throws(() => openSealed(cluster.node(1).seal.privateKey, fromHex(first!.sealed), shareContext(CH, RECORD, 4, 1)), { code: 'DECRYPT_FAILED' }, 'the context names the version');
  t.notOk(verifyShare({ index: second!.index, value: opened[0]!.value }, commitments), 'a share does not verify at another index');

  const secret = scalarFromBytes(openSealed(owner.privateKey, fromHex(args.ownerKey), ownerKeyContext(CH, RECORD, 3)));
  t.equal(toHex(publicPointOf(secret)), args.commitments[0], 'the owner key holds the secret behind C_0');
  t.throws(() => openSealed(owner.privateKey, fromHex(args.ownerKey), ownerKeyContext(CH, 'loan-43', 3)), { code: 'DECRYPT_FAILED' });

  let rebuilt = 0;
  for (const subset of subsets(opened, 3)) if (combineShares(subset, 3) === secret) rebuilt++;
  t.equal(rebuilt, 10, 'every 3 of the 5 shares rebuild the secret');
  t.not(combineShares(opened.slice(0, 2), 2), secret, 'two shares do not');

  const ciphertext = fromBase64(inlineOf(args.body));
  t.equal(ciphertext.length, plaintext.length + AEAD_OVERHEAD);
  t.same(aeadOpen(dataKeyOf(secret), ciphertext, recordAad(CH, RECORD, 3)), plaintext, 'the ciphertext opens with the data key of the secret');
  t.throws(() => aeadOpen(dataKeyOf(secret), ciphertext, recordAad(CH, RECORD, 2)), { code: 'DECRYPT_FAILED' }, 'bound to its version');

  const again = sealRecordVersion({ channel: CH, record: RECORD, version: 3, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
  t.not(again.args.commitments[0], args.commitments[0], 'a fresh secret for every sealing');
  t.notOk('meta' in again.args, 'no meta key without meta');
  t.end();
});

t.test('sealRecordVersion: default threshold is a majority; explicit thresholds; t > n and other bad thresholds throw', (t) => {
  t.same(
    [1, 2, 3, 4, 5, 6, 7, 8].map(majority),
    [1, 2, 2, 3, 3, 4, 4, 5],
  );
  const owner = x25519KeyPair();
  for (const n of [1, 2, 3, 4, 6]) {
    const cluster = new FakeCluster(Array.from({ length: n }, (_, i) => 10 + i));
    const { args } = sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext: utf8('x'), nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
    t.equal(args.threshold, Math.floor(n / 2) + 1, `n = ${n}`);
    t.equal(args.commitments.length, args.threshold);
    t.equal(args.shares.length, n);
  }
  const cluster = new FakeCluster([1, 2, 3, 4, 5]);
  const base = { channel: CH, record: RECORD, version: 1, plaintext: utf8('x'), nodes: cluster.sealNodes, ownerSealKey: owner.publicKey };
  for (const threshold of [1, 2, 5]) {
    const { args } = sealRecordVersion({ ...base, threshold });
    t.equal(args.threshold, threshold);
    t.equal(args.commitments.length, threshold, `commitments for t = ${threshold}`);
  }
  t.throws(() => sealRecordVersion({ ...base, threshold: 6 }), { name: 'PrivacyError', code: 'MALFORMED', message: /threshold must be 1\.\.5, got 6/ }, 't > n');
  t.throws(() => sealRecordVersion({ ...base, threshold: 0 }), { code: 'MALFORMED' }, 't = 0');
  t.throws(() => sealRecordVersion({ ...base, threshold: 2.5 }), { code: 'MALFORMED' }, 'fractional t');
  t.throws(() => sealRecordVersion({ ...base, nodes: [] }), { code: 'MALFORMED' }, 'no nodes');
  t.end();
});

t.test('sealRecordVersion: inline up to inlineLimit bytes of ciphertext, else a blob addressed by contentHash', (t) => {
  const cluster = new FakeCluster([1, 2, 3]);
  const owner = x25519KeyPair();
  const seal = (size: number, inlineLimit?: number): { plaintext: Uint8Array; sealed: SealedVersion } => {
    const plaintext = crypto.getRandomValues(new Uint8Array(size));
    return { plaintext, sealed: sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey, inlineLimit }) };
  };
  const secretOf = (s: SealedVersion): bigint => ownerSecret(CH, RECORD, { ...s.args, version: 1 }, owner.privateKey);

  const atLimit = seal(100 - AEAD_OVERHEAD, 100);
  t.equal(atLimit.sealed.blob, null, 'ciphertext of exactly inlineLimit bytes is inline');
  t.equal(fromBase64(inlineOf(atLimit.sealed.args.body)).length, 100);

  const above = seal(101 - AEAD_OVERHEAD, 100);
  const blob = above.sealed.blob;
  t.not(blob, null, 'one byte more goes to the blob stores');
  t.notOk('inline' in above.sealed.args.body);
  t.same(above.sealed.args.body, { blob: { hash: contentHash(blob!.bytes), size: 101 } }, 'on chain: the content hash and size only');
  t.equal(blob!.hash, contentHash(blob!.bytes));
  t.equal(blob!.bytes.length, 101);
  t.same(aeadOpen(dataKeyOf(secretOf(above.sealed)), blob!.bytes, recordAad(CH, RECORD, 1)), above.plaintext, 'the blob is the ciphertext');
  t.equal(above.sealed.args.size, 101 - AEAD_OVERHEAD, 'size is the plaintext size');

  t.not(seal(0, 0).sealed.blob, null, 'inlineLimit 0: even an empty plaintext goes to a blob');
  t.equal(seal(DEFAULT_INLINE_LIMIT - AEAD_OVERHEAD).sealed.blob, null, 'default limit: 48 KiB of ciphertext inline');
  t.not(seal(DEFAULT_INLINE_LIMIT - AEAD_OVERHEAD + 1).sealed.blob, null, 'one byte more is a blob');
  t.equal(DEFAULT_INLINE_LIMIT, 48 * 1024);
  t.end();
});

t.test('sealRecordVersion: the x25519 backend seals the owner key and every share', (t) => {
  const cluster = new FakeCluster([1, 2, 3, 4]);
  const owner = x25519KeyPair();
  let calls = 0;
  const counting: X25519Backend = {
    publicKey: (k) => nobleX25519.publicKey(k),
    sharedSecret: (k, p) => {
      calls++;
      return nobleX25519.sharedSecret(k, p);
    },
  };
  const { args } = sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext: utf8('x'), nodes: cluster.sealNodes, ownerSealKey: owner.publicKey, x25519: counting });
  t.equal(calls, 5, 'one shared secret per sealed box: owner + 4 nodes');
  t.ok(ownerSecret(CH, RECORD, { ...args, version: 1 }, owner.privateKey) > 0n, 'the boxes are standard');
  t.end();
});

// ---------------------------------------------------------------------------------------------
// ownerSecret, decryptVersion

t.test('ownerSecret + decryptVersion: round trip; wrong key, tampered ciphertext, wrong hash are refused', (t) => {
  const cluster = new FakeCluster([1, 2, 3]);
  const owner = x25519KeyPair();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 1_000_000 }), (plaintext, version) => {
      const { args } = sealRecordVersion({ channel: CH, record: RECORD, version, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
      const v: StoredVersion = { ...args, version };
      const secret = ownerSecret(CH, RECORD, v, owner.privateKey);
      return Buffer.from(decryptVersion(CH, RECORD, v, secret, fromBase64(inlineOf(v.body)))).equals(Buffer.from(plaintext));
    }),
    { numRuns: 25 },
  );

  const plaintext = utf8('the secret terms');
  const { args } = sealRecordVersion({ channel: CH, record: RECORD, version: 2, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
  const v: StoredVersion = { ...args, version: 2 };
  const secret = ownerSecret(CH, RECORD, v, owner.privateKey);
  const ciphertext = fromBase64(inlineOf(v.body));
  t.same(decryptVersion(CH, RECORD, v, secret, ciphertext), plaintext);

  t.throws(() => ownerSecret(CH, RECORD, v, x25519KeyPair().privateKey), { code: 'DECRYPT_FAILED' }, "another key does not open the owner's box");
  t.throws(() => ownerSecret(CH, 'loan-43', v, owner.privateKey), { code: 'DECRYPT_FAILED' }, 'another record does not');
  t.throws(() => ownerSecret(CH, RECORD, { ...v, version: 3 }, owner.privateKey), { code: 'DECRYPT_FAILED' }, 'another version does not');
  const other = sealRecordVersion({ channel: CH, record: RECORD, version: 2, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey }).args;
  t.throws(() => ownerSecret(CH, RECORD, { ...v, commitments: other.commitments }, owner.privateKey), KonsortiumError, "an owner key that does not match C_0 (another dealing's commitments)");
  t.throws(() => ownerSecret(CH, RECORD, { ...v, commitments: other.commitments }, owner.privateKey), { message: /does not match the version's commitment/ });

  for (const at of [0, 23, 24, ciphertext.length - 17, ciphertext.length - 1]) {
    t.throws(() => decryptVersion(CH, RECORD, v, secret, flipByte(ciphertext, at)), { name: 'PrivacyError', code: 'DECRYPT_FAILED' }, `flipped byte ${at}`);
  }
  t.throws(() => decryptVersion(CH, RECORD, v, secret, ciphertext.subarray(0, ciphertext.length - 1)), { code: 'DECRYPT_FAILED' }, 'truncated');
  t.throws(() => decryptVersion(CH, RECORD, { ...v, version: 1 }, secret, ciphertext), { code: 'DECRYPT_FAILED' }, 'another version (associated data)');
  t.throws(() => decryptVersion('other', RECORD, v, secret, ciphertext), { code: 'DECRYPT_FAILED' }, 'another channel');
  t.throws(() => decryptVersion(CH, RECORD, v, randomScalar(), ciphertext), { code: 'DECRYPT_FAILED' }, 'another secret');

  const wrongHash = { ...v, plaintextHash: plaintextHash(utf8('the secret termz')) };
  let err: unknown;
  try {
    decryptVersion(CH, RECORD, wrongHash, secret, ciphertext);
  } catch (e) {
    err = e;
  }
  t.type(err, KonsortiumError, 'a plaintext whose hash differs from the on-chain hash is refused');
  t.match((err as Error).message, /does not match its on-chain hash/);
  t.end();
});

// ---------------------------------------------------------------------------------------------
// requestKey

interface Setup {
  readonly cluster: FakeCluster;
  readonly owner: X25519KeyPair;
  readonly version: StoredVersion;
  readonly reader: Signer;
  readonly secret: bigint;
  readonly nodes: KonsortiumClient[];
  readonly plaintext: Uint8Array;
}

function setup(ids: readonly number[] = [1, 2, 3, 4, 5], threshold?: number, reader: Signer = Signer.generate()): Setup {
  const cluster = new FakeCluster(ids, CH, reader.suite);
  const owner = x25519KeyPair();
  const plaintext = utf8(`record for ${ids.join(',')}`);
  const { args } = sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey, threshold });
  const version: StoredVersion = { ...args, version: 1 };
  cluster.addVersion(RECORD, version);
  cluster.granted.add(reader.publicKeyHex);
  return { cluster, owner, version, reader, secret: ownerSecret(CH, RECORD, version, owner.privateKey), nodes: cluster.clients(), plaintext };
}

const ask = (s: Setup, extra: { now?: number; signal?: AbortSignal; nodes?: KonsortiumClient[] } = {}): Promise<bigint> =>
  requestKey({ channel: CH, record: RECORD, version: s.version, nodes: s.nodes, signer: s.reader, ...extra });

async function releaseError(p: Promise<unknown>): Promise<KeyReleaseError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof KeyReleaseError)) throw new Error(`expected a KeyReleaseError, got ${String(err)}`);
  return err;
}

const askedNodes = (s: Setup): FakeReleaseNode[] => s.cluster.releaseCalls.map((c) => c.node);
const distinct = <T>(xs: readonly T[]): number => new Set(xs).size;
const refuse = (status: number, code: string): Misbehaviour => ({ kind: 'refuse', status, code });

t.test('requestKey: asks only t nodes when they all answer, and rebuilds the secret', async (t) => {
  for (const [ids, threshold] of [
    [[1, 2, 3, 4, 5], undefined],
    [[1, 2, 3, 4, 5], 1],
    [[1, 2, 3, 4, 5], 5],
    [[3], undefined],
    [[10, 20, 30, 40], undefined],
  ] as const) {
    for (let round = 0; round < 3; round++) {
      const s = setup(ids, threshold);
      const secret = await ask(s);
      t.equal(secret, s.secret, `n = ${ids.length}, t = ${s.version.threshold}: the secret`);
      t.equal(s.cluster.releaseCalls.length, s.version.threshold, 'exactly t requests');
      t.equal(distinct(askedNodes(s)), s.version.threshold, 'to t different nodes');
      t.same(decryptVersion(CH, RECORD, s.version, secret, fromBase64(inlineOf(s.version.body))), s.plaintext);
    }
  }
});

t.test('requestKey: a node that refuses (403 NOT_GRANTED) is replaced by the next one', async (t) => {
  const s = setup([1, 2, 3, 4, 5]);
  s.cluster.script = (c) => (c.seq === 0 ? refuse(403, 'NOT_GRANTED') : undefined);
  t.equal(await ask(s), s.secret);
  t.equal(s.cluster.releaseCalls.length, 4, 't + 1 requests');
  t.equal(distinct(askedNodes(s)), 4, 'to 4 different nodes');

  const two = setup([1, 2, 3, 4, 5]);
  two.cluster.script = (c) => (c.seq < 2 ? refuse(403, 'NOT_GRANTED') : undefined);
  t.equal(await ask(two), two.secret, 'any t willing nodes are enough');
  t.equal(two.cluster.releaseCalls.length, 5);
  t.equal(distinct(askedNodes(two)), 5);
});

t.test('requestKey: every node refuses → KeyReleaseError with one failure per node and its code', async (t) => {
  const s = setup([1, 2, 3, 4, 5]);
  s.cluster.granted.clear(); // the honest nodes refuse by the (fake) grant check
  const err = await releaseError(ask(s));
  t.equal(err.failures.length, 5, 'one failure per node');
  t.same(err.failures.map((f) => f.node).sort(), s.cluster.nodes.map((n) => n.url).sort(), 'every node asked once');
  t.same(
    err.failures.map((f) => f.code),
    ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'],
  );
  t.match(err.message, /0 of 3 shares released/);
  t.type(err, KonsortiumError);
  t.equal(s.cluster.releaseCalls.length, 5);

  const mixed = setup([1, 2, 3, 4, 5]);
  const answers: Record<number, [number, string]> = { 1: [403, 'NOT_GRANTED'], 2: [403, 'GRANT_EXPIRED'], 3: [500, 'SHARE_UNUSABLE'], 4: [503, 'UNAVAILABLE'], 5: [409, 'NOT_A_SHAREHOLDER'] };
  mixed.cluster.script = (c) => refuse(...answers[c.node.nodeId]!);
  const e2 = await releaseError(ask(mixed));
  t.same(
    Object.fromEntries(e2.failures.map((f) => [f.node, f.code])),
    Object.fromEntries(mixed.cluster.nodes.map((n) => [n.url, answers[n.nodeId]![1]])),
    "each node's own code",
  );
  t.ok(
    e2.failures.every((f) => f.message === f.code.toLowerCase()),
    "each node's message",
  );
  t.equal(mixed.cluster.releaseCalls.length, 5, 'a release is never retried (not even a 503)');
});

t.test('requestKey: a wrong share is detected by the commitments and replaced by another node', async (t) => {
  const other = splitSecret(randomScalar(), 3, 5);
  const bad: Record<string, (value: Uint8Array, index: number) => Uint8Array> = {
    'a flipped bit': (v) => flipByte(v, 0),
    "another dealing's share for the same index": (_v, index) => other.shares[index - 1]!.value,
    'off by one': (v) => v.map((b, i) => (i === 0 ? b + 1 : b) & 0xff),
    'a value that is not a canonical scalar (≥ L)': () => new Uint8Array(32).fill(0xff),
    'a 31-byte value': (v) => v.slice(0, 31),
    'zero': () => new Uint8Array(32),
  };
  for (const [what, edit] of Object.entries(bad)) {
    const s = setup([1, 2, 3, 4, 5]);
    s.cluster.script = (c) => (c.seq === 0 ? { kind: 'tamper', edit } : undefined);
    const secret = await ask(s).catch((e: unknown) => e);
    t.equal(secret, s.secret, `${what}: the right secret`);
    t.equal(s.cluster.releaseCalls.length, 4, `${what}: one more node asked`);
    t.equal(distinct(askedNodes(s)), 4);
  }
});

t.test('releaseAndDecrypt: the key is accepted by the ciphertext; bad shares still found and replaced; a foreign ciphertext named as such', async (t) => {
  const decrypt = (s: Setup, ciphertext: Uint8Array) => releaseAndDecrypt({ channel: CH, record: RECORD, version: s.version, nodes: s.nodes, signer: s.reader, ciphertext });
  const good = setup([1, 2, 3, 4, 5]);
  const ciphertext = await fetchCiphertext(CH, good.version, []);
  t.same(await decrypt(good, ciphertext), good.plaintext, 'the plaintext');
  t.equal(good.cluster.releaseCalls.length, 3, 'only t nodes asked');

  for (const edit of [(v: Uint8Array) => flipByte(v, 0), () => new Uint8Array(32)]) {
    const s = setup([1, 2, 3, 4, 5]);
    s.cluster.script = (c) => (c.seq === 0 ? { kind: 'tamper', edit } : undefined);
    t.same(await decrypt(s, await fetchCiphertext(CH, s.version, [])), s.plaintext, 'a bad share: found by the commitments, another node asked, the plaintext');
    t.equal(s.cluster.releaseCalls.length, 4);
  }

  const s = setup([1, 2, 3, 4, 5]);
  const foreign = await fetchCiphertext(CH, setup([1, 2, 3, 4, 5]).version, []);
  await t.rejects(decrypt(s, foreign), { message: /released key is right \(it matches C_0\) but the ciphertext does not decrypt/ }, 'a ciphertext of another version: the key is not blamed');
  t.equal(s.cluster.releaseCalls.length, 3, 'and no further node is asked');
  await t.rejects(decrypt(s, flipByte(ciphertext, 5)), { message: /does not decrypt/ }, 'a tampered ciphertext');
});

t.test('requestKey: the bad share is recorded as BAD_SHARE when the others cannot make up for it', async (t) => {
  for (const edit of [(v: Uint8Array) => flipByte(v, 0), () => new Uint8Array(32).fill(0xff)]) {
    const s = setup([1, 2, 3]);
    // seq 0: bad share; seq 1: a good one; the replacement refuses.
    s.cluster.script = (c) => (c.seq === 0 ? { kind: 'tamper', edit } : c.seq >= 2 ? refuse(403, 'NOT_GRANTED') : undefined);
    const err = await releaseError(ask(s));
    const [bad, , third] = s.cluster.releaseCalls;
    t.same(
      err.failures.map((f) => [f.node, f.code]),
      [
        [bad!.node.url, 'BAD_SHARE'],
        [third!.node.url, 'NOT_GRANTED'],
      ],
    );
    t.equal(s.cluster.releaseCalls.length, 3);
  }
});

t.test('requestKey: fewer than t valid shares → KeyReleaseError', async (t) => {
  const s = setup([1, 2, 3]);
  s.cluster.script = (c) => (c.seq < 2 ? { kind: 'tamper', edit: (v) => flipByte(v, 1) } : undefined);
  const err = await releaseError(ask(s));
  t.same(err.failures.map((f) => f.code), ['BAD_SHARE', 'BAD_SHARE'], 'both bad shares found');
  t.same(
    err.failures.map((f) => f.node).sort(),
    s.cluster.releaseCalls
      .slice(0, 2)
      .map((c) => c.node.url)
      .sort(),
  );
  t.equal(s.cluster.releaseCalls.length, 3, 'the third node was asked too');
  t.match(err.message, /not enough valid shares|1 of 2/);

  const one = setup([1, 2, 3]);
  one.cluster.script = (c) => (c.seq === 0 ? undefined : refuse(403, 'NOT_GRANTED'));
  const e2 = await releaseError(ask(one));
  t.equal(e2.failures.length, 2);
  t.match(e2.message, /1 of 2 shares released/);
});

t.test('requestKey: a share for the wrong index, another node id, another context → recorded and replaced', async (t) => {
  const indexOf = (s: Setup, nodeId: number): number => s.version.shares.find((x) => x.nodeId === nodeId)!.index;
  const cases: Record<string, (s: Setup, node: FakeReleaseNode) => Misbehaviour> = {
    'another index': (s, node) => ({ kind: 'index', index: (indexOf(s, node.nodeId) % s.cluster.nodes.length) + 1 }),
    'an index out of range': () => ({ kind: 'index', index: 200 }),
    'sealed under another request id': () => ({ kind: 'wrongContext' }),
  };
  for (const [what, make] of Object.entries(cases)) {
    const s = setup([1, 2, 3, 4, 5]);
    s.cluster.script = (c) => (c.seq === 0 ? make(s, c.node) : undefined);
    t.equal(await ask(s), s.secret, `${what}: the right secret`);
    t.equal(s.cluster.releaseCalls.length, 4, `${what}: replaced`);

    const r = setup([1, 2, 3]);
    r.cluster.script = (c) => (c.seq === 0 ? make(r, c.node) : c.seq >= 2 ? refuse(403, 'NOT_GRANTED') : undefined);
    const err = await releaseError(ask(r));
    t.equal(err.failures.length, 2, `${what}: recorded`);
    t.equal(err.failures[0]!.node, r.cluster.releaseCalls[0]!.node.url);
    t.equal(err.failures[1]!.code, 'NOT_GRANTED');
    if (what === 'sealed under another request id') t.equal(err.failures[0]!.code, 'DECRYPT_FAILED');
    else t.match(err.failures[0]!.message, /returned share \d+, its share is \d+/);
  }
});

t.test('requestKey: the same share twice (a node listed twice, or replayed by another) brings in another node', async (t) => {
  const s = setup([1, 2, 3]);
  s.cluster.script = (c) => (c.seq === 1 ? { kind: 'as', nodeId: s.cluster.releaseCalls[0]!.node.nodeId } : undefined);
  t.equal(await ask(s), s.secret);
  t.equal(s.cluster.releaseCalls.length, 3, 'the third node was asked');

  // The same node under two base URLs: whichever three clients are asked first, three distinct shares are found.
  for (let round = 0; round < 12; round++) {
    const d = setup([1, 2, 3], 3);
    const target = d.cluster.node(1).url;
    const alias = new KonsortiumClient({ baseUrl: 'http://alias.test:8080', fetch: (input, init) => d.cluster.fetch(input.replace('http://alias.test:8080', target), init) });
    t.equal(await ask(d, { nodes: [...d.nodes, alias] }).catch((e: unknown) => e), d.secret, `round ${round}`);
  }
});

t.test('requestKey: the signed request — no channel field, signature over keyReleaseMessage, issuedAt = now', async (t) => {
  const now = 1_760_000_000_000;
  const s = setup([1, 2, 3, 4, 5]);
  s.cluster.now = () => now;
  s.cluster.script = (c) => (c.seq === 0 ? refuse(403, 'NOT_GRANTED') : undefined); // 4 nodes see it
  t.equal(await ask(s, { now }), s.secret);
  const bodies = s.cluster.releaseCalls.map((c) => c.body);
  t.equal(bodies.length, 4);
  const body = bodies[0]! as Record<string, unknown> & { record: string; version: number; requester: string; oneTimeKey: string; requestId: string; issuedAt: number; signature: string };
  t.same(Object.keys(body).sort(), [...RELEASE_FIELDS], 'exactly the fields of the node schema');
  t.notOk('channel' in body, 'no channel field (it is in the path)');
  t.ok(
    bodies.every((b) => JSON.stringify(b) === JSON.stringify(body)),
    'one signed request for every node',
  );
  t.equal(body.issuedAt, now);
  t.equal(body.record, RECORD);
  t.equal(body.version, 1);
  t.equal(body.requester, s.reader.publicKeyHex);
  t.match(body.oneTimeKey, /^[0-9a-f]{64}$/);
  t.match(body.requestId, /^[0-9a-f]{32}$/);
  const suite = s.reader.suite;
  const verify = (channel: string, fields: typeof body): boolean => suite.verify(s.reader.publicKey, suite.hash(keyReleaseMessage({ ...fields, channel })), fromHex(fields.signature));
  t.ok(verify(CH, body), 'the signature verifies under the channel');
  t.notOk(verify('other', body), 'not under another channel');
  t.notOk(verify(CH, { ...body, issuedAt: now + 1 }), 'it covers issuedAt');
  t.notOk(verify(CH, { ...body, oneTimeKey: 'ab'.repeat(32) }), 'it covers the one-time key');

  await ask(s, { now });
  const next = s.cluster.releaseCalls.at(-1)!.body;
  t.not(next['requestId'], body.requestId, 'a fresh request id per request');
  t.not(next['oneTimeKey'], body.oneTimeKey, 'a fresh one-time key per request');

  const stale = setup([1, 2, 3]);
  const staleErr = await releaseError(ask(stale, { now: Date.now() - 10 * 60_000 }));
  t.same(
    staleErr.failures.map((f) => f.code),
    ['REQUEST_EXPIRED', 'REQUEST_EXPIRED', 'REQUEST_EXPIRED'],
    'now is what the request says',
  );

  const fresh = setup([1, 2, 3]);
  const before = Date.now();
  t.equal(await ask(fresh), fresh.secret);
  const issuedAt = fresh.cluster.releaseCalls[0]!.body['issuedAt'] as number;
  t.ok(issuedAt >= before && issuedAt <= Date.now(), 'default issuedAt: the current time');

  const gost = setup([1, 2, 3], undefined, Signer.generate(gostSuite.id));
  t.equal(await ask(gost), gost.secret, "signed with the reader's suite (gost)");
});

t.test('requestKey: an abort ends the request with the abort reason and asks no further node', async (t) => {
  const s = setup([1, 2, 3, 4, 5]);
  s.cluster.script = () => ({ kind: 'hang' });
  const ac = new AbortController();
  const p = ask(s, { signal: ac.signal });
  // Until the first three nodes are asked (bounded; a fixed pause was a guess at how long the
  // signing takes on a busy machine).
  for (let waited = 0; s.cluster.releaseCalls.length < 3 && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  t.equal(s.cluster.releaseCalls.length, 3, 'threshold 3: three nodes asked at once');
  ac.abort();
  await t.rejects(p, { name: 'AbortError' });
  t.notOk((await p.catch((e: unknown) => e)) instanceof KeyReleaseError, 'not reported as nodes refusing');
  await new Promise((r) => setTimeout(r, 10));
  t.equal(s.cluster.releaseCalls.length, 3, 'no other node asked after the abort');

  const pre = setup([1, 2, 3]);
  const reason = new Error('gone');
  await t.rejects(ask(pre, { signal: AbortSignal.abort(reason) }), reason, "an aborted signal: the caller's reason");
  t.equal(pre.cluster.requests.length, 0, 'nothing sent');
});

// ---------------------------------------------------------------------------------------------
// fetchCiphertext, uploadBlob

t.test('fetchCiphertext: inline without the network; a blob checked against its hash, next node on mismatch or absence', async (t) => {
  const cluster = new FakeCluster([1, 2, 3]);
  const owner = x25519KeyPair();
  const nodes = cluster.clients();
  const small = sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext: utf8('small'), nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
  t.same(await fetchCiphertext(CH, { ...small.args, version: 1 }, nodes), fromBase64(inlineOf(small.args.body)));
  t.equal(cluster.requests.length, 0, 'inline: no request');

  const big = sealRecordVersion({ channel: CH, record: RECORD, version: 2, plaintext: utf8('big'.repeat(100)), nodes: cluster.sealNodes, ownerSealKey: owner.publicKey, inlineLimit: 16 });
  const blob = big.blob!;
  const v: StoredVersion = { ...big.args, version: 2 };
  await uploadBlob(CH, blob, nodes);
  for (const n of cluster.nodes) t.same(n.blobs.get(blob.hash), blob.bytes, `node ${n.nodeId} stores the blob`);
  t.equal(cluster.requests.filter((r) => r.method === 'PUT').length, 3);

  cluster.node(1).blobs.set(blob.hash, flipByte(blob.bytes, 5)); // corrupt
  cluster.node(2).blobs.delete(blob.hash); // missing
  const got = await fetchCiphertext(CH, v, nodes);
  t.same(got, blob.bytes, 'the third node has it');
  t.same(
    cluster.nodes.map((n) => cluster.countFor(n, 'GET', /\/blobs\//)),
    [1, 1, 1],
    'nodes asked in order, once each',
  );
  t.same(decryptVersion(CH, RECORD, v, ownerSecret(CH, RECORD, v, owner.privateKey), got), utf8('big'.repeat(100)));

  cluster.node(3).blobs.set(blob.hash, blob.bytes.subarray(1));
  const err = await fetchCiphertext(CH, v, nodes).catch((e: unknown) => e);
  t.type(err, KonsortiumError);
  const message = (err as Error).message;
  t.match(message, `${cluster.node(1).url}: content does not match its hash`);
  t.match(message, `${cluster.node(2).url}: no blob`);
  t.match(message, `${cluster.node(3).url}: content does not match its hash`);
  t.match(message, blob.hash);

  await t.rejects(uploadBlob(CH, { hash: blob.hash, bytes: utf8('not it') }, nodes), { code: 'CONTENT_MISMATCH' }, 'the node checks uploads');
});

// ---------------------------------------------------------------------------------------------
// readRecord (proven state from a real chain; see fake-release-node.ts)

t.test('readRecord: the owner and a reader, inline and blob versions, latest by default', async (t) => {
  const cluster = new FakeCluster([1, 2, 3]);
  const nodes = cluster.clients();
  const owner = x25519KeyPair();
  const reader = Signer.generate();
  cluster.granted.add(reader.publicKeyHex);
  const p1 = utf8('version one, inline');
  const p2 = crypto.getRandomValues(new Uint8Array(5000));
  const s1 = sealRecordVersion({ channel: CH, record: RECORD, version: 1, plaintext: p1, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey });
  const s2 = sealRecordVersion({ channel: CH, record: RECORD, version: 2, plaintext: p2, nodes: cluster.sealNodes, ownerSealKey: owner.publicKey, inlineLimit: 1024 });
  t.equal(s1.blob, null);
  t.not(s2.blob, null);
  await uploadBlob(CH, s2.blob!, nodes);
  const v1: StoredVersion = { ...s1.args, version: 1 };
  const v2: StoredVersion = { ...s2.args, version: 2 };
  cluster.addVersion(RECORD, v1);
  cluster.addVersion(RECORD, v2);
  const json = (x: unknown): Uint8Array => utf8(JSON.stringify(x));
  cluster.setState(
    new Map([
      [`data/rec/${RECORD}`, json({ owner: 'alice', versions: 2 })],
      [`data/ver/${RECORD}/1`, json(v1)],
      [`data/ver/${RECORD}/2`, json(v2)],
    ]),
  );

  const latest = await readRecord({ channel: CH, record: RECORD, nodes, ownerSealPrivate: owner.privateKey });
  t.equal(latest.version.version, 2, 'latest version by default');
  t.same(latest.plaintext, p2, 'the owner reads the blob version');
  t.same(latest.version, v2);
  t.equal(cluster.releaseCalls.length, 0, 'the owner asks no node for shares');

  const first = await readRecord({ channel: CH, record: RECORD, version: 1, nodes, ownerSealPrivate: owner.privateKey });
  t.same(first.plaintext, p1, 'the owner reads the inline version');

  const byReader = await readRecord({ channel: CH, record: RECORD, nodes, signer: reader });
  t.same(byReader.plaintext, p2, 'a reader reads the blob version');
  t.equal(cluster.releaseCalls.length, 2, 't shares requested');
  const v1ByReader = await readRecord({ channel: CH, record: RECORD, version: 1, nodes, signer: reader });
  t.same(v1ByReader.plaintext, p1, 'a reader reads the inline version');

  cluster.node(1).blobs.clear();
  cluster.node(2).blobs.set(s2.blob!.hash, flipByte(s2.blob!.bytes, 100));
  t.same((await readRecord({ channel: CH, record: RECORD, nodes, signer: reader })).plaintext, p2, 'the blob from the one node that has it intact');

  await t.rejects(readRecord({ channel: CH, record: 'no-such', nodes, ownerSealPrivate: owner.privateKey }), { message: /record no-such does not exist/ });
  await t.rejects(readRecord({ channel: CH, record: RECORD, version: 9, nodes, ownerSealPrivate: owner.privateKey }), { message: /has no version 9/ });
  await t.rejects(readRecord({ channel: CH, record: RECORD, nodes }), { message: /needs a signer/ });
  await t.rejects(readRecord({ channel: CH, record: RECORD, nodes: [], signer: reader }), { message: /at least one node/ });
  await t.rejects(readRecord({ channel: CH, record: RECORD, nodes, ownerSealPrivate: x25519KeyPair().privateKey }), { code: 'DECRYPT_FAILED' });
  const stranger = Signer.generate();
  await t.rejects(readRecord({ channel: CH, record: RECORD, nodes, signer: stranger }), KeyReleaseError, 'a reader without a grant');
});

// ---------------------------------------------------------------------------------------------
// base64

t.test('toBase64 / fromBase64: canonical padded base64, round trip; non-canonical input refused', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = toBase64(bytes);
      return text === Buffer.from(bytes).toString('base64') && Buffer.from(fromBase64(text)).equals(Buffer.from(bytes));
    }),
    { numRuns: 300 },
  );
  const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split(''));
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 16 }), (chars) => {
      const text = chars.join('');
      let bytes: Uint8Array;
      try {
        bytes = fromBase64(text);
      } catch (err) {
        return err instanceof KonsortiumError && /not canonical base64/.test((err as Error).message);
      }
      return toBase64(bytes) === text; // whatever is accepted is canonical
    }),
    { numRuns: 2000 },
  );
  for (const bad of ['AB==', 'AAB=', 'AA', 'AAA', 'A===', '====', 'QUJD\n', ' QUJD', 'QU JD', 'QUJ-', 'QUJ_', 'QQ==QQ==', 'QUJDRA=']) {
    t.throws(() => fromBase64(bad), KonsortiumError, JSON.stringify(bad));
  }
  t.same(fromBase64(''), new Uint8Array(0));
  t.same(fromBase64('QUJD'), utf8('ABC'));
  t.equal(toBase64(utf8('AB')), 'QUI=');
  t.end();
});

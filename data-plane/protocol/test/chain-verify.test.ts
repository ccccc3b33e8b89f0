// Chain checks (ledger/verify.ts) on a real 3-block chain signed by node keys, and transaction
// proofs over the wire (proof/wire.ts).
import { runIsolated } from './isolated.js';
import fc from 'fast-check';
import t from 'tap';
import {
  type Block,
  type BlockHeader,
  type ChainProblem,
  checkBlockContents,
  checkLink,
  checkSignatures,
  type CryptoSuite,
  decodeBlock,
  decodeTx,
  encodeBlock,
  encodeOperation,
  type HashFn,
  makeBlock,
  merkleInclusionPath,
  signTx,
  SUITE_IDS,
  suiteById,
  toHex,
  txLeafHash,
  txRootOf,
  type TxProofJson,
  utf8,
  verifyTxProof,
  verifyTxSignature,
  ZERO_HASH,
} from '../src/index.js';

const intl = suiteById('intl');
const sha: HashFn = (d) => intl.hash(d);
const CHANNEL = 'payments';
const nodes = [1, 2, 3].map((id) => ({ id, ...intl.generateKeyPair() }));
const nodeKeys = new Map(nodes.map((n) => [n.id, n.publicKey]));
const client = intl.generateKeyPair();
let nonce = 0;

function tx(suite: CryptoSuite = intl, channel = CHANNEL, key = suite.id === 'intl' ? client : suite.generateKeyPair()): Uint8Array {
  const ops = [encodeOperation({ contract: 'Token', method: 'transfer', args: { to: 'bob', n: nonce } })];
  return signTx({ suite: suite.id, channel, sender: key.publicKey, nonce: nonce++, operations: ops }, key.privateKey).bytes;
}

/** A block after `prev`, signed by every node (or `signers`). */
function next(prev: Block | null, envelopes: Uint8Array[], results: string[], over: Partial<BlockHeader> = {}, signers = nodes, suite = intl): Block {
  const h: HashFn = (d) => suite.hash(d);
  const header: BlockHeader = {
    suite: suite.id,
    channel: CHANNEL,
    height: prev === null ? 0 : prev.header.height + 1,
    prevHash: prev === null ? ZERO_HASH : prev.hash,
    txRoot: txRootOf(h, envelopes.map((e) => decodeTx(e).id), results),
    stateRoot: h(utf8(`state after ${prev === null ? 0 : prev.header.height + 1}`)),
    timestamp: prev === null ? 1000 : prev.header.timestamp + 1000,
    proposer: 2,
    txCount: envelopes.length,
    ...over,
  };
  const unsigned = makeBlock(suite, header, envelopes, results);
  return { ...unsigned, signatures: signers.map((n) => ({ nodeId: n.id, signature: suite.sign(n.privateKey, unsigned.hash) })) };
}

/** Stored form: what a verifier receives. */
const stored = (b: Block): Uint8Array => encodeBlock(b);
const load = (bytes: Uint8Array): Block => decodeBlock(sha, bytes);

const b0 = next(null, [], []);
const b1 = next(b0, [tx(), tx()], ['OK', 'INSUFFICIENT_FUNDS']);
const b2 = next(b1, [tx(), tx(), tx()], ['OK', 'OK', 'OK']);
const chain = [b0, b1, b2].map((b) => load(stored(b)));

/** The first problem met walking the chain: contents, link, signatures, block by block. */
function verifyChain(blocks: readonly Block[], minSignatures = 2): ChainProblem | null {
  let prev: Block | null = null;
  for (const b of blocks) {
    const p = checkBlockContents(intl, b) ?? checkLink(prev, b) ?? checkSignatures(intl, b, nodeKeys, minSignatures);
    if (p !== null) return p;
    prev = b;
  }
  return null;
}

/** Offsets in the stored bytes of a block. */
function layout(b: Block): { header: number; prevHash: number; txRoot: number; stateRoot: number; txs: number[]; results: number[]; sigs: number[] } {
  const header = 4;
  const prevHash = header + 3 + utf8(b.header.channel).length + 8;
  let o = header + b.headerBytes.length + 4;
  const txs = b.txs.map((e) => ((o += 4 + e.length), o - e.length));
  const results = b.results.map((c) => ((o += 1 + c.length), o - c.length));
  o += 1;
  const sigs = b.signatures.map((s) => ((o += 5 + s.signature.length), o - s.signature.length));
  return { header, prevHash, txRoot: prevHash + 32, stateRoot: prevHash + 64, txs, results, sigs };
}

function flipped(b: Block, byte: number, mask = 1): Uint8Array {
  const bytes = stored(b);
  bytes[byte]! ^= mask;
  return bytes;
}

const withBlock = (i: number, b: Block): Block[] => chain.map((x, j) => (j === i ? b : x));
const problem = (p: ChainProblem | null): [string, number] | null => (p === null ? null : [p.code, p.height]);

t.test('a valid 3-block chain signed by node keys passes every check', async (t) => {
  t.equal(verifyChain(chain, 3), null);
  for (const [i, b] of chain.entries()) {
    t.equal(checkBlockContents(intl, b, { storedHash: b.hash }), null, `contents of ${i}`);
    t.equal(checkLink(i === 0 ? null : chain[i - 1]!, b), null, `link of ${i}`);
    t.equal(checkSignatures(intl, b, nodeKeys, 3), null, `signatures of ${i}`);
  }
});

t.test('a flipped bit in a transaction body: TX_ROOT, TX_MALFORMED or CHANNEL at its height', async (t) => {
  const b = chain[1]!;
  const at = layout(b).txs[0]!;
  const body = decodeTx(b.txs[0]!).bodyLength;
  const nonceAt = at + 2 + 1 + CHANNEL.length + 1 + 32 + 7;
  t.same(problem(verifyChain(withBlock(1, load(flipped(b, nonceAt))))), ['TX_ROOT', 1], 'nonce bit');
  t.same(problem(verifyChain(withBlock(1, load(flipped(b, at, 2))))), ['TX_MALFORMED', 1], 'version bit');
  const seen = new Map<string, number>();
  for (let bit = 0; bit < body * 8; bit++) {
    const p = checkBlockContents(intl, load(flipped(b, at + (bit >> 3), 1 << (bit & 7))));
    const key = p === null ? 'none' : `${p.code}@${p.height}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  t.same([...seen.keys()].filter((k) => !['TX_ROOT@1', 'TX_MALFORMED@1', 'CHANNEL@1'].includes(k)), [], `every bit of the body is caught: ${JSON.stringify([...seen])}`);
});

t.test('a flipped bit in a transaction signature is caught by verifyTxSignature (blocks commit to ids)', async (t) => {
  const b = chain[1]!;
  const sigAt = layout(b).txs[1]! + decodeTx(b.txs[1]!).bodyLength + 1;
  const tampered = load(flipped(b, sigAt + 10));
  t.equal(checkBlockContents(intl, tampered), null, 'the tx root does not cover signatures');
  t.same(problem(checkBlockContents(intl, tampered, { txSignatures: true })), ['TX_SIGNATURE', 1], 'unless signatures are checked too');
  t.equal(checkBlockContents(intl, b, { txSignatures: true }), null);
  t.notOk(verifyTxSignature(decodeTx(tampered.txs[1]!)));
  t.ok(verifyTxSignature(decodeTx(b.txs[1]!)));
});

t.test('a flipped bit in a result code', async (t) => {
  const b = chain[1]!;
  const at = layout(b).results;
  const nk = load(flipped(b, at[0]!, 1)); // "OK" -> "NK", still a valid code
  t.equal(nk.results[0], 'NK');
  t.same(problem(verifyChain(withBlock(1, nk))), ['TX_ROOT', 1]);
  t.throws(() => load(flipped(b, at[1]!, 0x20)), { code: 'MALFORMED' }, 'lower case is not a result code');
});

t.test('a flipped bit in the header', async (t) => {
  const l2 = layout(chain[2]!);
  const prev = load(flipped(chain[2]!, l2.prevHash + 5));
  t.same(problem(verifyChain(withBlock(2, prev))), ['PREV_HASH', 2], 'prev hash');
  t.same(problem(checkSignatures(intl, prev, nodeKeys)), ['SIGNATURE', 2]);
  t.same(problem(checkBlockContents(intl, prev, { storedHash: chain[2]!.hash })), ['HEADER_HASH', 2], 'against the hash recorded in an index');

  const l1 = layout(chain[1]!);
  const state = load(flipped(chain[1]!, l1.stateRoot + 31, 0x80));
  t.equal(checkBlockContents(intl, state), null, 'the state root is not derivable from the block');
  t.same(problem(verifyChain(withBlock(1, state))), ['SIGNATURE', 1], 'state root: the node signatures no longer hold');
  t.same(problem(checkLink(state, chain[2]!)), ['PREV_HASH', 2], 'and the next block no longer links');
  t.same(problem(checkBlockContents(intl, state, { storedHash: chain[1]!.hash })), ['HEADER_HASH', 1]);

  t.same(problem(verifyChain(withBlock(1, load(flipped(chain[1]!, l1.txRoot))))), ['TX_ROOT', 1], 'tx root');
  t.throws(() => load(flipped(chain[1]!, l1.header + chain[1]!.headerBytes.length - 1)), { code: 'MALFORMED' }, 'tx count no longer matches');
  t.same(problem(checkBlockContents(intl, { ...chain[1]!, hash: sha(utf8('x')) })), ['HEADER_HASH', 1], 'a stored hash that is not the header’s');
});

t.test('node signatures: missing, unknown, bad', async (t) => {
  const b = chain[1]!;
  const only = (sigs: Block['signatures']): Block => ({ ...b, signatures: sigs });
  const [s1, s2] = b.signatures as [Block['signatures'][0], Block['signatures'][0]];
  t.same(problem(verifyChain(withBlock(1, only([])), 1)), ['UNSIGNED', 1], 'no signature');
  t.same(problem(checkSignatures(intl, only([s1]), nodeKeys, 2)), ['UNSIGNED', 1], 'one of two required');
  t.same(problem(checkSignatures(intl, only([s1, s1]), nodeKeys, 2)), ['UNSIGNED', 1], 'the same node twice counts once');
  t.equal(checkSignatures(intl, only([s1, s2]), nodeKeys, 2), null);
  t.equal(checkSignatures(intl, only([]), nodeKeys, 0), null);
  const stranger = intl.generateKeyPair();
  t.same(problem(verifyChain(withBlock(1, only([s1, { nodeId: 99, signature: intl.sign(stranger.privateKey, b.hash) }])))), ['UNKNOWN_SIGNER', 1]);
  t.same(problem(verifyChain(withBlock(1, load(flipped(b, layout(b).sigs[1]! + 3))))), ['SIGNATURE', 1], 'a flipped bit in a stored signature');
  t.same(problem(verifyChain(withBlock(1, only([s1, { nodeId: 3, signature: s2.signature }])))), ['SIGNATURE', 1], 'node 2’s signature claimed by node 3');
  t.same(problem(verifyChain(withBlock(1, only([s1, { nodeId: 2, signature: chain[2]!.signatures[1]!.signature }])))), ['SIGNATURE', 1], 'a signature of another block');
  t.same(problem(verifyChain(withBlock(1, only([s1, { nodeId: 2, signature: new Uint8Array(3) }])))), ['SIGNATURE', 1], 'malformed signature');
});

t.test('heights, genesis, timestamps and channel', async (t) => {
  const skip = next(chain[1]!, [tx()], ['OK'], { height: 3 });
  t.same(problem(verifyChain([chain[0]!, chain[1]!, skip])), ['HEIGHT', 3], 'height 3 after 1');
  t.same(problem(verifyChain([chain[0]!, chain[1]!, next(chain[1]!, [], [], { height: 1 })])), ['HEIGHT', 1], 'a height repeated');
  t.same(problem(verifyChain([chain[0]!, chain[2]!])), ['HEIGHT', 2], 'a block missing');
  t.same(problem(verifyChain([chain[1]!, chain[2]!])), ['PREV_HASH', 1], 'not starting at a genesis block');
  t.same(problem(checkLink(null, next(null, [], [], { prevHash: sha(utf8('x')) }))), ['PREV_HASH', 0], 'genesis with a prev hash');
  const back = next(chain[1]!, [tx()], ['OK'], { timestamp: chain[1]!.header.timestamp - 1 });
  t.same(problem(verifyChain([chain[0]!, chain[1]!, back])), ['TIMESTAMP', 2], 'time went backwards');
  t.equal(verifyChain([chain[0]!, chain[1]!, next(chain[1]!, [], [], { timestamp: chain[1]!.header.timestamp })]), null, 'the same millisecond is fine');
  const fork = next(chain[1]!, [tx()], ['OK'], { prevHash: sha(utf8('another block 1')) });
  t.same(problem(verifyChain([chain[0]!, chain[1]!, fork])), ['PREV_HASH', 2]);
  t.same(problem(checkLink(chain[1]!, next(chain[1]!, [tx(intl, 'other')], ['OK'], { channel: 'other' }))), ['CHANNEL', 2], 'another channel');
  t.same(problem(checkBlockContents(intl, next(chain[1]!, [tx(intl, 'other')], ['OK']))), ['CHANNEL', 2], 'a transaction of another channel');
  t.same(problem(checkBlockContents(intl, makeBlock(intl, { ...chain[2]!.header, suite: 'sm' }, chain[2]!.txs, chain[2]!.results))), ['CHANNEL', 2], 'header of another suite');
  t.same(problem(checkBlockContents(intl, { ...chain[2]!, txs: chain[2]!.txs.slice(1) })), ['TX_COUNT', 2]);
  t.same(problem(checkBlockContents(suiteById('sm'), chain[2]!)), ['HEADER_HASH', 2], 'checked with another suite');
});

t.test('checkBlockContents reports, never throws, on a bad result code', async (t) => {
  const b = chain[2]!;
  let p: ChainProblem | null = null;
  t.doesNotThrow(() => (p = checkBlockContents(intl, { ...b, results: ['OK', 'X'.repeat(300), 'OK'] })));
  t.not(p, null);
});

// ---- transaction proofs over the wire
function txProof(b: Block, i: number, suite: CryptoSuite = intl): TxProofJson {
  const h: HashFn = (d) => suite.hash(d);
  const ids = b.txs.map((e) => decodeTx(e).id);
  const leaves = ids.map((id, j) => txLeafHash(h, id, b.results[j]!));
  return { txId: toHex(ids[i]!), code: b.results[i]!, height: b.header.height, header: toHex(b.headerBytes), index: i, path: merkleInclusionPath(h, leaves, i).map(toHex) };
}

const flipHex = (hex: string, at: number): string => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

t.test('verifyTxProof: every transaction of the chain; tampered fields return null', async (t) => {
  for (const b of chain.slice(1)) {
    for (let i = 0; i < b.txs.length; i++) {
      const p = txProof(b, i);
      const v = verifyTxProof(intl, p);
      t.ok(v !== null && v.code === b.results[i] && v.header.height === b.header.height, `tx ${i} of block ${b.header.height}`);
      const hex = p.header;
      const bad: [string, TxProofJson][] = [
        ['txId', { ...p, txId: flipHex(p.txId, 3) }],
        ['code', { ...p, code: p.code === 'OK' ? 'FAILED' : 'OK' }],
        ['height', { ...p, height: p.height + 1 }],
        ['header tx root', { ...p, header: flipHex(hex, hex.length - 2 * (32 + 16) - 10) }],
        ['header tx count', { ...p, header: flipHex(hex, hex.length - 1) }],
        ['header truncated', { ...p, header: hex.slice(0, -2) }],
        ['index + 1', { ...p, index: p.index + 1 }],
        ['index - 1', { ...p, index: p.index - 1 }],
        ['path element', { ...p, path: p.path.map((x, j) => (j === 0 ? flipHex(x, 0) : x)) }],
        ['path dropped', { ...p, path: p.path.slice(1) }],
        ['path extended', { ...p, path: [...p.path, p.txId] }],
        ['path upper case', { ...p, path: p.path.map((x) => x.toUpperCase()) }],
        ['txId short', { ...p, txId: p.txId.slice(2) }],
      ];
      for (const [what, q] of bad) t.equal(verifyTxProof(intl, q), null, `${what} (tx ${i} of block ${b.header.height})`);
      t.equal(verifyTxProof(suiteById('sm'), p), null, 'another suite');
    }
  }
  for (const id of SUITE_IDS) {
    const s = suiteById(id);
    const blk = next(null, [tx(s), tx(s), tx(s)], ['OK', 'DENIED', 'OK'], {}, nodes.map((n) => ({ ...n, ...s.generateKeyPair() })), s);
    const v = verifyTxProof(s, txProof(blk, 1, s));
    t.ok(v !== null && v.code === 'DENIED', `${id}: a proof verifies`);
    t.equal(verifyTxProof(s, { ...txProof(blk, 1, s), code: 'OK' }), null, `${id}: another outcome`);
  }
});

t.test('property: verifyTxProof never throws on garbage', async (t) => {
  const base = txProof(chain[2]!, 1);
  // `code` only as strings here: other JSON values hang (see the isolated test below).
  const field = fc.oneof(
    fc.tuple(fc.constantFrom('txId', 'height', 'header', 'index', 'path'), fc.jsonValue()),
    fc.tuple(fc.constant('code'), fc.string({ maxLength: 300 })),
  );
  fc.assert(
    fc.property(fc.anything(), field, fc.jsonValue(), (junk, [k, v], el) => {
      if (JSON.stringify(v) === JSON.stringify(base[k as keyof TxProofJson])) return true;
      return [junk, { ...base, [k]: v }, { ...base, path: [el, ...base.path.slice(1)] }].every((q) => verifyTxProof(intl, q as TxProofJson) === null);
    }),
    { numRuns: 400 },
  );
  t.pass('null, never an exception');
});


t.test('non-string result codes neither hang verifyTxProof nor checkBlockContents', async (t) => {
  const body = `
    const p = JSON.parse(process.env.TX_PROOF);
    const proofs = [5, true, {}].map((code) => P.verifyTxProof(P.intlSuite, { ...p, code }));
    const b = P.decodeBlock((d) => P.intlSuite.hash(d), P.fromHex(process.env.BLOCK));
    const contents = P.checkBlockContents(P.intlSuite, { ...b, results: b.results.map(() => 5) });
    return { proofs, contents: contents && contents.code };`;
  const r = await runIsolated(import.meta.url, '../src/index.js', body, { TX_PROOF: JSON.stringify(txProof(chain[2]!, 1)), BLOCK: toHex(stored(chain[2]!)) });
  t.equal(r.outcome, 'ok', `must return, not loop forever (${r.outcome}): ${r.output.slice(0, 300)}`);
  const v = r.value as { proofs: unknown[]; contents: unknown } | undefined;
  t.same(v?.proofs, [null, null, null], 'proofs with a non-string code are refused');
  t.type(v?.contents, 'string', 'a block with non-string result codes is reported');
});

// Batches (ledger/batch.ts) and blocks (ledger/block.ts): round trips, strict decoding, the
// block hash and the transaction root.
import fc from 'fast-check';
import t from 'tap';
import {
  type Block,
  blockHashOf,
  type BlockHeader,
  ByteWriter,
  bytesEqual,
  concatBytes,
  type CryptoSuite,
  decodeBatch,
  decodeBlock,
  decodeBlockHeader,
  decodeTx,
  encodeBatch,
  encodeBlock,
  encodeBlockHeader,
  encodeOperation,
  type HashFn,
  isBatch,
  isResultCode,
  makeBlock,
  merkleLeafHash,
  merkleRoot,
  ProtocolError,
  signTx,
  SUITE_IDS,
  suiteById,
  toHex,
  txLeafData,
  txRootOf,
  utf8,
  ZERO_HASH,
} from '../src/index.js';

const MALFORMED = { name: 'ProtocolError', code: 'MALFORMED' };
const INVALID = { name: 'ProtocolError', code: 'INVALID_FIELD' };
const intl = suiteById('intl');
const sha: HashFn = (d) => intl.hash(d);

function refusedCount(bytes: Uint8Array, decode: (b: Uint8Array) => unknown): number {
  let n = 0;
  for (let len = 0; len < bytes.length; len++) {
    try {
      decode(bytes.subarray(0, len));
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'MALFORMED') n++;
    }
  }
  return n;
}

// ---- batches
const batchArb = fc.record({
  proposer: fc.integer({ min: 0, max: 0xffffffff }),
  timestamp: fc.maxSafeNat(),
  txs: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
});

t.test('property: batches round trip; transactions are views into the data', async (t) => {
  fc.assert(
    fc.property(batchArb, (b) => {
      const data = encodeBatch(b);
      const d = decodeBatch(data);
      return (
        isBatch(data) &&
        d.proposer === b.proposer &&
        d.timestamp === b.timestamp &&
        d.txs.length === b.txs.length &&
        d.txs.every((x, i) => bytesEqual(x, b.txs[i]!) && x.buffer === data.buffer) &&
        bytesEqual(encodeBatch(d), data)
      );
    }),
    { numRuns: 200 },
  );
  t.pass('round trips');
});

t.test('batch layout is pinned', async (t) => {
  const data = encodeBatch({ proposer: 3, timestamp: 1_700_000_000_123, txs: [Uint8Array.of(0xaa), new Uint8Array(0)] });
  t.equal(toHex(data), 'b1' + '00000003' + '0000018bcfe5687b' + '00000002' + '00000001aa' + '00000000');
  t.notOk(isBatch(new Uint8Array(0)));
  t.notOk(isBatch(Uint8Array.of(0xb2)));
});

t.test('property: batch decoding is strict (truncation, trailing byte, count, tag)', async (t) => {
  fc.assert(
    fc.property(batchArb, fc.integer({ min: 0, max: 255 }), (b, extra) => {
      const data = encodeBatch(b);
      const setCount = (c: number): Uint8Array => {
        const x = Uint8Array.from(data);
        new DataView(x.buffer).setUint32(13, c);
        return x;
      };
      const refuses = (x: Uint8Array): boolean => throwsMalformed(() => decodeBatch(x));
      return (
        refusedCount(data, decodeBatch) === data.length &&
        refuses(concatBytes(data, Uint8Array.of(extra))) &&
        refuses(setCount(b.txs.length + 1)) &&
        (b.txs.length === 0 || refuses(setCount(b.txs.length - 1))) &&
        refuses(setCount(0xffffffff)) &&
        refuses(concatBytes(Uint8Array.of(0xb0), data.subarray(1)))
      );
    }),
    { numRuns: 100 },
  );
  t.pass('strict');
  t.throws(() => decodeBatch(Uint8Array.of(0xb1, 0, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), MALFORMED, 'timestamp above 2^53 - 1');
  t.throws(() => encodeBatch({ proposer: 2 ** 32, timestamp: 0, txs: [] }), INVALID);
});

function throwsMalformed(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    return err instanceof ProtocolError && err.code === 'MALFORMED';
  }
}

// ---- blocks
const alice = intl.generateKeyPair();
function txs(suite: CryptoSuite, channel: string, n: number, key = suite.generateKeyPair()): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    signTx({ suite: suite.id, channel, sender: key.publicKey, nonce: i, operations: [encodeOperation({ contract: 'Token', method: 'transfer', args: { i } })] }, key.privateKey).bytes,
  );
}

function blockOf(suite: CryptoSuite, envelopes: Uint8Array[], results: string[], over: Partial<BlockHeader> = {}): Block {
  const h: HashFn = (d) => suite.hash(d);
  const ids = envelopes.map((e) => decodeTx(e).id);
  const header: BlockHeader = {
    suite: suite.id,
    channel: 'payments',
    height: 7,
    prevHash: h(utf8('block 6')),
    txRoot: txRootOf(h, ids, results),
    stateRoot: h(utf8('state 7')),
    timestamp: 1_700_000_000_000,
    proposer: 2,
    txCount: envelopes.length,
    ...over,
  };
  return makeBlock(suite, header, envelopes, results, [
    { nodeId: 1, signature: suite.sign(alice.privateKey, new Uint8Array(32)) },
    { nodeId: 4, signature: new Uint8Array(64).fill(7) },
  ]);
}

const block = blockOf(intl, txs(intl, 'payments', 3, alice), ['OK', 'INSUFFICIENT_FUNDS', 'OK']);

t.test('blocks round trip with envelopes, results and signatures; the hash is recomputed', async (t) => {
  const d = decodeBlock(sha, encodeBlock(block));
  t.same(d.header, block.header);
  t.ok(bytesEqual(d.headerBytes, block.headerBytes));
  t.ok(bytesEqual(d.hash, block.hash));
  t.ok(bytesEqual(d.hash, sha(concatBytes(utf8('konsortium:block:v1'), block.headerBytes))), 'hash = H(domain ‖ header)');
  t.ok(bytesEqual(blockHashOf(sha, block.headerBytes), block.hash));
  t.same(d.txs.map(toHex), block.txs.map(toHex));
  t.same(d.results, block.results);
  t.same(d.signatures.map((s) => [s.nodeId, toHex(s.signature)]), block.signatures.map((s) => [s.nodeId, toHex(s.signature)]));
  t.ok(bytesEqual(encodeBlock(d), encodeBlock(block)), 're-encodes to the same bytes');
  t.same(decodeBlockHeader(block.headerBytes), block.header);
  const genesis = makeBlock(intl, { ...block.header, height: 0, prevHash: ZERO_HASH, txRoot: txRootOf(sha, [], []), txCount: 0 }, [], []);
  t.same(decodeBlock(sha, encodeBlock(genesis)).header, genesis.header, 'an empty block');
  for (const id of SUITE_IDS) {
    const s = suiteById(id);
    const b = blockOf(s, txs(s, 'payments', 2), ['OK', 'OK']);
    t.ok(bytesEqual(decodeBlock((x) => s.hash(x), encodeBlock(b)).hash, b.hash), `${id}: round trip`);
  }
});

t.test('the header layout is pinned', async (t) => {
  const header: BlockHeader = {
    suite: 'sm',
    channel: 'ch-1',
    height: 258,
    prevHash: new Uint8Array(32).fill(1),
    txRoot: new Uint8Array(32).fill(2),
    stateRoot: new Uint8Array(32).fill(3),
    timestamp: 5,
    proposer: 6,
    txCount: 7,
  };
  const expected = '01' + '03' + '0463682d31' + '0000000000000102' + '01'.repeat(32) + '02'.repeat(32) + '03'.repeat(32) + '0000000000000005' + '00000006' + '00000007';
  t.equal(toHex(encodeBlockHeader(header)), expected);
});

function rawBlock(headerBytes: Uint8Array, envelopes: readonly Uint8Array[], results: readonly string[], n = envelopes.length): Uint8Array {
  const w = new ByteWriter().bytes32(headerBytes).u32(n);
  for (const e of envelopes) w.bytes32(e);
  for (const r of results) w.str8(r);
  return w.u8(0).finish();
}

t.test('block decoding is strict', async (t) => {
  const bytes = encodeBlock(block);
  t.equal(refusedCount(bytes, (b) => decodeBlock(sha, b)), bytes.length, 'every truncation is MALFORMED');
  t.throws(() => decodeBlock(sha, concatBytes(bytes, Uint8Array.of(0))), MALFORMED, 'trailing byte');
  t.doesNotThrow(() => decodeBlock(sha, rawBlock(block.headerBytes, block.txs, block.results)), 'hand-built baseline');
  t.throws(() => decodeBlock(sha, rawBlock(block.headerBytes, block.txs.slice(1), block.results.slice(1))), MALFORMED, 'fewer transactions than the header says');
  t.throws(() => decodeBlock(sha, rawBlock(block.headerBytes, block.txs, block.results, 0xffffffff)), MALFORMED, 'count larger than the bytes');
  for (const code of ['ok', '', '1A', 'A-B', 'A'.repeat(65), 'É']) {
    t.throws(() => decodeBlock(sha, rawBlock(block.headerBytes, block.txs, ['OK', code, 'OK'])), MALFORMED, `result code ${JSON.stringify(code)}`);
  }
  const hb = block.headerBytes;
  const patched = (at: number, v: number): Uint8Array => {
    const x = Uint8Array.from(hb);
    x[at] = v;
    return x;
  };
  t.throws(() => decodeBlockHeader(patched(0, 2)), MALFORMED, 'version 2');
  t.throws(() => decodeBlockHeader(patched(1, 0)), MALFORMED, 'suite code 0');
  t.throws(() => decodeBlockHeader(patched(1, 4)), MALFORMED, 'suite code 4');
  t.throws(() => decodeBlockHeader(patched(3, 'P'.charCodeAt(0))), MALFORMED, 'upper-case channel');
  t.throws(() => decodeBlockHeader(patched(2 + 1 + 8 + 1, 0x20)), MALFORMED, 'height above 2^53 - 1');
  t.throws(() => decodeBlockHeader(concatBytes(hb, Uint8Array.of(0))), MALFORMED);
  t.equal(refusedCount(hb, decodeBlockHeader), hb.length);
});

t.test('result codes', async (t) => {
  for (const c of ['OK', 'INSUFFICIENT_FUNDS', 'E1', 'A'.repeat(64)]) t.ok(isResultCode(c), c);
  for (const c of ['ok', '', '1A', '_A', 'A-B', 'A B', 'A'.repeat(65), 'OK\n']) t.notOk(isResultCode(c), JSON.stringify(c));
  t.throws(() => encodeBlock({ ...block, results: ['OK', 'bad', 'OK'] }), INVALID);
});

t.test('the block hash changes with every header field, not with signatures', async (t) => {
  const h0 = block.header;
  const variants: [string, Partial<BlockHeader>][] = [
    ['suite', { suite: 'sm' }],
    ['channel', { channel: 'payments2' }],
    ['height', { height: 8 }],
    ['prevHash', { prevHash: sha(utf8('other')) }],
    ['txRoot', { txRoot: sha(utf8('other')) }],
    ['stateRoot', { stateRoot: sha(utf8('other')) }],
    ['timestamp', { timestamp: h0.timestamp + 1 }],
    ['proposer', { proposer: 3 }],
    ['txCount', { txCount: 4 }],
  ];
  const seen = new Set([toHex(block.hash)]);
  for (const [field, change] of variants) {
    const hash = blockHashOf(sha, encodeBlockHeader({ ...h0, ...change }));
    t.notOk(seen.has(toHex(hash)), `${field} changes the hash`);
    seen.add(toHex(hash));
  }
  const resigned = makeBlock(intl, h0, block.txs, block.results, [{ nodeId: 9, signature: new Uint8Array(64) }]);
  t.ok(bytesEqual(resigned.hash, block.hash), 'signatures are outside the hash');
  t.ok(bytesEqual(decodeBlock(sha, encodeBlock(resigned)).hash, block.hash));
});

t.test('txRootOf is the RFC 9162 root over H(0x00 ‖ id ‖ str8 code)', async (t) => {
  const id = sha(utf8('tx'));
  t.equal(toHex(txLeafData(id, 'OK')), toHex(id) + '02' + '4f4b');
  for (const sid of SUITE_IDS) {
    const s = suiteById(sid);
    const h: HashFn = (d) => s.hash(d);
    for (const n of [0, 1, 2, 3, 5, 8, 13]) {
      const ids = Array.from({ length: n }, (_, i) => h(Uint8Array.of(i)));
      const codes = ids.map((_, i) => (i % 3 === 1 ? 'REJECTED' : 'OK'));
      const leaves = ids.map((x, i) => h(concatBytes(Uint8Array.of(0), x, Uint8Array.of(codes[i]!.length), utf8(codes[i]!))));
      t.ok(bytesEqual(txRootOf(h, ids, codes), merkleRoot(h, leaves)), `${sid}: ${n} transactions`);
      if (n > 0) t.ok(bytesEqual(leaves[0]!, merkleLeafHash(h, txLeafData(ids[0]!, codes[0]!))));
    }
  }
  t.ok(bytesEqual(txRootOf(sha, [], []), sha(new Uint8Array(0))), 'no transactions: H("")');
  t.notOk(bytesEqual(txRootOf(sha, [id], ['OK']), txRootOf(sha, [id], ['FAILED'])), 'the outcome is committed');
  t.throws(() => txRootOf(sha, [id], []), RangeError);
  t.throws(() => txLeafData(new Uint8Array(31), 'OK'), INVALID);
});

t.test('header and block construction refuse bad values', async (t) => {
  const h0 = block.header;
  t.throws(() => encodeBlockHeader({ ...h0, channel: 'Bad' }), INVALID);
  t.throws(() => encodeBlockHeader({ ...h0, prevHash: new Uint8Array(31) }), INVALID);
  t.throws(() => encodeBlockHeader({ ...h0, stateRoot: new Uint8Array(33) }), INVALID);
  t.throws(() => encodeBlockHeader({ ...h0, height: 2 ** 53 }), INVALID);
  t.throws(() => encodeBlockHeader({ ...h0, proposer: -1 }), INVALID);
  t.throws(() => makeBlock(intl, h0, block.txs.slice(1), block.results.slice(1)), RangeError);
  t.throws(() => makeBlock(intl, h0, block.txs, block.results.slice(1)), RangeError);
});

t.test('encodeBlock refuses a block whose parts do not agree (it would write undecodable bytes)', async (t) => {
  t.throws(() => encodeBlock({ ...block, results: block.results.slice(1) }), INVALID, 'one result missing');
  t.throws(() => encodeBlock({ ...block, txs: block.txs.slice(1), results: block.results.slice(1) }), INVALID, 'header count 3, body 2');
});

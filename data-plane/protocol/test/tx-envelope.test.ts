// The transaction envelope (tx/envelope.ts) with the real suites: round trips, ids, strict
// decoding, limits and the signature binding.
import fc from 'fast-check';
import t from 'tap';
import {
  ByteWriter,
  bytesEqual,
  concatBytes,
  type CryptoSuite,
  decodeTx,
  encodeOperation,
  encodeTxBody,
  fromHex,
  isChannelName,
  MAX_OPERATIONS,
  MAX_TX_BYTES,
  parseArgs,
  ProtocolError,
  signTx,
  SUITE_IDS,
  suiteById,
  toHex,
  type Transaction,
  type TxBody,
  utf8,
  verifyTxSignature,
} from '../src/index.js';

const MALFORMED = { name: 'ProtocolError', code: 'MALFORMED' };
const INVALID = { name: 'ProtocolError', code: 'INVALID_FIELD' };
const TOO_LARGE = { name: 'ProtocolError', code: 'TOO_LARGE' };
const SUITE_CODE = { intl: 1, gost: 2, sm: 3 } as const;

const suites = SUITE_IDS.map((id) => suiteById(id));
const keys = new Map(suites.map((s) => [s.id, s.generateKeyPair()]));
const keyOf = (s: CryptoSuite): { privateKey: Uint8Array; publicKey: Uint8Array } => keys.get(s.id)!;

function bodyFor(s: CryptoSuite, over: Partial<TxBody> = {}): TxBody {
  return {
    suite: s.id,
    channel: 'payments-eu',
    sender: keyOf(s).publicKey,
    nonce: 42,
    operations: [
      encodeOperation({ contract: 'Token', method: 'transfer', args: { to: 'bob', amount: '10', memo: 'café ☕' } }),
      encodeOperation({ contract: 'audit.Log', method: 'note_1', args: [1, null, true] }),
    ],
    ...over,
  };
}

const sign = (s: CryptoSuite, over: Partial<TxBody> = {}): Transaction => signTx(bodyFor(s, over), keyOf(s).privateKey);

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  out[bit >> 3]! ^= 0x80 >> (bit & 7);
  return out;
}

interface RawOp {
  readonly contract: string;
  readonly method: string;
  readonly args: Uint8Array;
}

/** Hand-built envelopes, to feed decodeTx what encodeTxBody would never write. */
function rawTx(o: { version?: number; suiteCode?: number; channel?: string; sender: Uint8Array; nonceHex?: string; count?: number; ops: RawOp[]; sig: Uint8Array }): Uint8Array {
  const w = new ByteWriter()
    .u8(o.version ?? 1)
    .u8(o.suiteCode ?? 1)
    .str8(o.channel ?? 'ch')
    .bytes8(o.sender)
    .raw(fromHex(o.nonceHex ?? '0000000000000001'))
    .u8(o.count ?? o.ops.length);
  for (const op of o.ops) w.str8(op.contract).str8(op.method).bytes32(op.args);
  return w.bytes8(o.sig).finish();
}
const okOp: RawOp = { contract: 'Token', method: 'transfer', args: utf8('{}') };
const intl = suiteById('intl');
const raw = (over: Partial<Parameters<typeof rawTx>[0]> = {}): Uint8Array => rawTx({ sender: new Uint8Array(32), ops: [okOp], sig: new Uint8Array(64), ...over });

t.test('each suite: sign → encode → decode gives the same fields and id, and verifies', async (t) => {
  for (const s of suites) {
    const tx = sign(s);
    const d = decodeTx(tx.bytes);
    t.equal(d.suite, s.id);
    t.equal(d.channel, 'payments-eu');
    t.ok(bytesEqual(d.sender, keyOf(s).publicKey), `${s.id}: sender`);
    t.equal(d.nonce, 42);
    t.same(d.operations, tx.operations, `${s.id}: operations, args bytes exactly as signed`);
    t.ok(bytesEqual(d.signature, tx.signature) && d.signature.length === s.signatureBytes);
    t.ok(bytesEqual(d.id, tx.id), `${s.id}: same id`);
    t.equal(d.bodyLength, tx.bodyLength);
    t.ok(bytesEqual(encodeTxBody(d), d.bytes.subarray(0, d.bodyLength)), `${s.id}: the decoded body re-encodes to the same bytes`);
    t.ok(bytesEqual(d.id, s.hash(concatBytes(utf8('konsortium:tx:v1'), tx.bytes.subarray(0, tx.bodyLength)))), `${s.id}: id = H(domain ‖ body)`);
    t.ok(verifyTxSignature(d), `${s.id}: signature verifies`);
    t.ok(s.verify(d.sender, d.id, d.signature), `${s.id}: the signature is over the id`);
    t.same(parseArgs(d.operations[0]!), { to: 'bob', amount: '10', memo: 'café ☕' });
    t.same(decodeTx(tx.bytes, { suite: s }).id, d.id, 'an explicit suite of the same id decodes alike');
  }
});

t.test('the body layout is pinned', async (t) => {
  const body: TxBody = {
    suite: 'intl',
    channel: 'pay',
    sender: new Uint8Array(32).fill(0x11),
    nonce: 258,
    operations: [{ contract: 'Token', method: 'transfer', argsJson: '{"a":1}' }],
  };
  const expected = '0101' + '03706179' + '20' + '11'.repeat(32) + '0000000000000102' + '01' + '05546f6b656e' + '087472616e73666572' + '000000077b2261223a317d';
  t.equal(toHex(encodeTxBody(body)), expected);
  for (const s of suites) t.equal(encodeTxBody(bodyFor(s))[1], SUITE_CODE[s.id], `suite code of ${s.id}`);
});

t.test('the id leaves the signature out: randomized suites sign twice, same id, other bytes', async (t) => {
  for (const s of suites) {
    const a = sign(s);
    const b = sign(s);
    t.ok(bytesEqual(a.id, b.id), `${s.id}: same id`);
    t.ok(verifyTxSignature(decodeTx(a.bytes)) && verifyTxSignature(decodeTx(b.bytes)), `${s.id}: both verify`);
    if (s.id === 'intl') t.ok(bytesEqual(a.bytes, b.bytes), 'Ed25519 is deterministic');
    else t.notOk(bytesEqual(a.bytes, b.bytes), `${s.id}: randomized signature, different envelope bytes`);
    t.notOk(bytesEqual(sign(s, { nonce: 43 }).id, a.id), `${s.id}: another nonce is another transaction`);
  }
});

for (const s of suites) {
  t.test(`property (${s.id}): a flipped bit fails decoding, or the envelope does not verify`, async (t) => {
    const tx = sign(s);
    let decodedFlips = 0;
    fc.assert(
      fc.property(fc.nat({ max: tx.bytes.length * 8 - 1 }), (bit) => {
        const flipped = flipBit(tx.bytes, bit);
        let d: Transaction;
        try {
          d = decodeTx(flipped);
        } catch (err) {
          return err instanceof ProtocolError && err.code === 'MALFORMED';
        }
        decodedFlips++;
        const inBody = bit >> 3 < tx.bodyLength;
        // id changes exactly when the body changed; either way the signature no longer holds
        return bytesEqual(d.id, tx.id) !== inBody && !verifyTxSignature(d);
      }),
      { numRuns: s.id === 'intl' ? 150 : 60 },
    );
    t.ok(decodedFlips > 0, `some flips still decode (${decodedFlips}) and are caught by the signature`);
  });
}

t.test('channel names: lower-case letters, digits and dashes, 1..63, not starting with a dash', async (t) => {
  const good = ['a', '0', 'a-b', 'abc-123', 'x'.repeat(63), '9-', 'a--b'];
  const bad = ['', '-a', 'A', 'aB', 'a_b', 'a.b', 'a b', 'x'.repeat(64), 'a\n', '\na', 'é', 'a/b', 'ａ'];
  for (const c of good) {
    t.ok(isChannelName(c), JSON.stringify(c));
    t.equal(decodeTx(sign(intl, { channel: c }).bytes).channel, c);
  }
  for (const c of bad) {
    t.notOk(isChannelName(c), JSON.stringify(c));
    t.throws(() => encodeTxBody(bodyFor(intl, { channel: c })), INVALID, `encode refuses ${JSON.stringify(c)}`);
    if (utf8(c).length <= 255) t.throws(() => decodeTx(raw({ channel: c })), MALFORMED, `decode refuses ${JSON.stringify(c)}`);
  }
});

t.test('contract and method names are identifiers', async (t) => {
  for (const [contract, method] of [
    ['1Token', 'transfer'],
    ['Token', '_x'],
    ['Token', 'a-b'],
    ['', 'x'],
    ['Token', 'x'.repeat(64)],
    ['Tok en', 'x'],
  ] as const) {
    t.throws(() => encodeTxBody(bodyFor(intl, { operations: [{ contract, method, argsJson: '{}' }] })), INVALID, `${contract}.${method}`);
    t.throws(() => decodeTx(raw({ ops: [{ contract, method, args: utf8('{}') }] })), MALFORMED, `${contract}.${method}`);
  }
  t.doesNotThrow(() => decodeTx(raw({ ops: [{ contract: 'a.B_9', method: 'M', args: utf8('{}') }] })));
});

t.test(`operation count is 1..${MAX_OPERATIONS}`, async (t) => {
  const op = encodeOperation({ contract: 'Token', method: 'mint', args: { n: 1 } });
  t.throws(() => encodeTxBody(bodyFor(intl, { operations: [] })), INVALID);
  t.throws(() => encodeTxBody(bodyFor(intl, { operations: Array(MAX_OPERATIONS + 1).fill(op) })), INVALID);
  t.equal(decodeTx(sign(intl, { operations: [op] }).bytes).operations.length, 1);
  t.equal(decodeTx(sign(intl, { operations: Array(MAX_OPERATIONS).fill(op) }).bytes).operations.length, MAX_OPERATIONS);
  t.throws(() => decodeTx(raw({ ops: [], count: 0 })), MALFORMED, 'count 0');
  t.throws(() => decodeTx(raw({ ops: Array(MAX_OPERATIONS + 1).fill(okOp) })), MALFORMED, 'count 65 with 65 operations');
  t.throws(() => decodeTx(raw({ ops: [okOp], count: 2 })), MALFORMED, 'count larger than the operations present');
});

t.test('strict decoding: truncations, trailing bytes, unknown version and suite, field sizes', async (t) => {
  const tx = sign(intl);
  const refused: number[] = [];
  for (let n = 0; n < tx.bytes.length; n++) {
    try {
      decodeTx(tx.bytes.subarray(0, n));
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'MALFORMED') refused.push(n);
    }
  }
  t.equal(refused.length, tx.bytes.length, 'every truncation is MALFORMED');
  t.throws(() => decodeTx(concatBytes(tx.bytes, Uint8Array.of(0))), MALFORMED, 'trailing byte');
  t.doesNotThrow(() => decodeTx(raw()), 'the hand-built baseline decodes');
  t.throws(() => decodeTx(raw({ version: 0 })), MALFORMED);
  t.throws(() => decodeTx(raw({ version: 2 })), MALFORMED);
  t.throws(() => decodeTx(raw({ suiteCode: 0 })), MALFORMED);
  t.throws(() => decodeTx(raw({ suiteCode: 4 })), MALFORMED);
  t.throws(() => decodeTx(raw({ sender: new Uint8Array(33) })), MALFORMED, 'sender key of another length');
  t.throws(() => decodeTx(raw({ suiteCode: 3 })), MALFORMED, 'an sm transaction with a 32-byte key');
  t.throws(() => decodeTx(raw({ sig: new Uint8Array(63) })), MALFORMED, 'short signature');
  t.throws(() => decodeTx(raw({ sig: new Uint8Array(65) })), MALFORMED, 'long signature');
  t.throws(() => decodeTx(raw({ nonceHex: '0020000000000000' })), MALFORMED, 'nonce above 2^53 - 1');
  t.equal(decodeTx(raw({ nonceHex: '001fffffffffffff' })).nonce, Number.MAX_SAFE_INTEGER);
  t.throws(() => decodeTx(raw({ ops: [{ ...okOp, args: Uint8Array.of(0x22, 0xc3, 0x28, 0x22) }] })), MALFORMED, 'arguments not UTF-8');
});

t.test('nonce range on encode', async (t) => {
  t.equal(decodeTx(sign(intl, { nonce: 0 }).bytes).nonce, 0);
  t.equal(decodeTx(sign(intl, { nonce: Number.MAX_SAFE_INTEGER }).bytes).nonce, Number.MAX_SAFE_INTEGER);
  for (const nonce of [2 ** 53, -1, 0.5]) t.throws(() => encodeTxBody(bodyFor(intl, { nonce })), INVALID, `nonce ${nonce}`);
});

t.test('size limits: maxBytes and MAX_TX_BYTES are TOO_LARGE', async (t) => {
  const tx = sign(intl);
  t.throws(() => decodeTx(tx.bytes, { maxBytes: tx.bytes.length - 1 }), TOO_LARGE);
  t.doesNotThrow(() => decodeTx(tx.bytes, { maxBytes: tx.bytes.length }));
  const withArgs = (n: number): TxBody => bodyFor(intl, { operations: [encodeOperation({ contract: 'Blob', method: 'put', args: 'x'.repeat(n) })] });
  const overhead = signTx(withArgs(0), keyOf(intl).privateKey).bytes.length;
  const exact = signTx(withArgs(MAX_TX_BYTES - overhead), keyOf(intl).privateKey);
  t.equal(exact.bytes.length, MAX_TX_BYTES);
  t.equal(decodeTx(exact.bytes).bytes.length, MAX_TX_BYTES, 'exactly the limit is accepted');
  t.throws(() => signTx(withArgs(MAX_TX_BYTES - overhead + 1), keyOf(intl).privateKey), TOO_LARGE);
  const over = raw({ ops: [{ ...okOp, args: utf8(JSON.stringify('x'.repeat(MAX_TX_BYTES))) }] });
  t.throws(() => decodeTx(over), TOO_LARGE);
  t.doesNotThrow(() => decodeTx(over, { maxBytes: over.length }), 'a larger channel limit admits it');
});

t.test('a suite other than the transaction’s is refused', async (t) => {
  const gost = suiteById('gost');
  const sm = suiteById('sm');
  t.throws(() => signTx(bodyFor(intl), keyOf(intl).privateKey, gost), INVALID);
  const tx = sign(intl);
  t.throws(() => decodeTx(tx.bytes, { suite: gost }), INVALID);
  t.throws(() => decodeTx(sign(sm).bytes, { suite: intl }), INVALID);
  t.notOk(verifyTxSignature(decodeTx(tx.bytes), gost), 'verifying with another suite fails');
  t.throws(() => encodeTxBody(bodyFor(intl, { sender: keyOf(sm).publicKey })), INVALID, 'an sm key in an intl body');
  const other = intl.generateKeyPair();
  t.notOk(verifyTxSignature(decodeTx(signTx(bodyFor(intl), other.privateKey).bytes)), 'signed by another key than the sender');
});

t.test('arguments: JSON as signed; parseArgs refuses non-JSON with MALFORMED', async (t) => {
  t.equal(encodeOperation({ contract: 'C', method: 'm', args: undefined }).argsJson, '{}');
  t.equal(encodeOperation({ contract: 'C', method: 'm', args: { b: 1, a: [2] } }).argsJson, '{"b":1,"a":[2]}');
  for (const argsJson of ['not json', '', '{"a":', "{'a':1}", '[1,]', 'NaN']) {
    const tx = sign(intl, { operations: [{ contract: 'C', method: 'm', argsJson }] });
    const op = decodeTx(tx.bytes).operations[0]!;
    t.equal(op.argsJson, argsJson, 'decoding does not judge the arguments');
    t.throws(() => parseArgs(op), MALFORMED, JSON.stringify(argsJson));
  }
  t.same(parseArgs({ contract: 'C', method: 'm', argsJson: ' [1, "\\u0000"] ' }), [1, '\u0000']);
});

t.test('encodeOperation refuses arguments JSON cannot represent (instead of an undefined argsJson)', async (t) => {
  for (const [what, args] of [
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a toJSON returning undefined', { toJSON: () => undefined }],
    ['a BigInt', 10n],
  ] as const) {
    t.throws(() => encodeOperation({ contract: 'C', method: 'm', args }), INVALID, what);
  }
});

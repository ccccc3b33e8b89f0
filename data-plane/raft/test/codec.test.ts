import fc from 'fast-check';
import t from 'tap';
import {
  ConfChangeType,
  decodeConfChange,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeMessages,
  decodeSnapshot,
  encodeConfChange,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeMessages,
  encodeSnapshot,
  type Entry,
  EntryType,
  message,
  type Message,
  MESSAGE_TYPE_MAX,
  MessageType,
  RaftError,
  type Snapshot,
  Writer,
  writeMessage,
} from '../src/index.js';

t.test('message round-trips and decoding is strict', async (t) => {
  const m = message({
    type: MessageType.App,
    to: 2,
    from: 1,
    term: 7,
    logTerm: 6,
    index: 41,
    commit: 40,
    entries: [{ term: 7, index: 42, type: EntryType.Normal, data: new Uint8Array([1, 2, 3]) }],
    context: new Uint8Array([9]),
  });
  const b = encodeMessage(m);
  t.same(decodeMessage(b), m);
  t.throws(() => decodeMessage(b.subarray(0, b.length - 1)), RaftError);
  const extra = new Uint8Array(b.length + 1);
  extra.set(b);
  t.throws(() => decodeMessage(extra), /trailing/);
});

// --- Generators ------------------------------------------------------------------------------

const u53 = fc.maxSafeNat();
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 40 });
const entry: fc.Arbitrary<Entry> = fc.record({ term: u53, index: u53, type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange), data: bytes });
const ids = fc.uniqueArray(id, { maxLength: 6 }).map((xs) => xs.sort((a, b) => a - b));
const confState = fc.tuple(ids, ids).map(([voters, learners]) => ({ voters, learners: learners.filter((x) => !voters.includes(x)) }));
const snapshot: fc.Arbitrary<Snapshot> = fc.record({ metadata: fc.record({ index: u53, term: u53, confState }), data: bytes });
const msg: fc.Arbitrary<Message> = fc.record({
  type: fc.integer({ min: 0, max: MESSAGE_TYPE_MAX }) as fc.Arbitrary<MessageType>,
  to: u53,
  from: u53,
  term: u53,
  logTerm: u53,
  index: u53,
  entries: fc.array(entry, { maxLength: 4 }),
  commit: u53,
  reject: fc.boolean(),
  rejectHint: u53,
  snapshot: fc.option(snapshot, { nil: null }),
  context: bytes,
});

const asPlain = (b: Uint8Array) => Array.from(b);

t.test('every value round-trips, and its encoding is canonical (decode then encode gives the same bytes)', async (t) => {
  fc.assert(
    fc.property(msg, (m) => {
      const b = encodeMessage(m);
      const back = decodeMessage(b);
      t.same(back, m);
      t.same(asPlain(encodeMessage(back)), asPlain(b));
    }),
    { numRuns: 300, seed: 1 },
  );
  fc.assert(
    fc.property(entry, snapshot, confState, u53, id, (e, s, cs, term, nodeId) => {
      t.same(decodeEntry(encodeEntry(e)), e);
      t.same(decodeSnapshot(encodeSnapshot(s)), s);
      t.same(decodeConfState(encodeConfState(cs)), cs);
      const h = { term, vote: nodeId, commit: term };
      t.same(decodeHardState(encodeHardState(h)), h);
      const cc = { type: ConfChangeType.PromoteLearner, nodeId, context: e.data };
      t.same(decodeConfChange(encodeConfChange(cc)), cc);
    }),
    { numRuns: 200, seed: 2 },
  );
  fc.assert(
    fc.property(fc.array(msg, { maxLength: 5 }), (ms) => {
      t.same(decodeMessages(encodeMessages(ms)), ms);
    }),
    { numRuns: 100, seed: 3 },
  );
});

t.test('every truncation of a valid encoding is refused with CODEC, never another error', async (t) => {
  fc.assert(
    fc.property(msg, (m) => {
      const b = encodeMessage(m);
      for (let n = 0; n < b.length; n++) {
        try {
          decodeMessage(b.subarray(0, n));
          return false;
        } catch (err) {
          if (!(err instanceof RaftError) || err.code !== 'CODEC') return false;
        }
      }
      return true;
    }),
    { numRuns: 100, seed: 4 },
  );
  t.pass();
});

t.test('random bytes never decode to something that re-encodes differently', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      let m: Message;
      try {
        m = decodeMessage(b);
      } catch (err) {
        return err instanceof RaftError && err.code === 'CODEC';
      }
      return asPlain(encodeMessage(m)).join() === asPlain(b).join();
    }),
    { numRuns: 2000, seed: 5 },
  );
  t.pass();
});

t.test('decoding refuses unknown enums, non-booleans, integers beyond 2^53 and malformed id lists', async (t) => {
  const m = message({ type: MessageType.Heartbeat, to: 2, from: 1, term: 3 });
  const b = encodeMessage(m);
  const patched = (at: number, v: number) => {
    const c = b.slice();
    c[at] = v;
    return c;
  };
  t.throws(() => decodeMessage(patched(0, MESSAGE_TYPE_MAX + 1)), /unknown message type/);
  const rejectAt = 1 + 6 * 8;
  t.throws(() => decodeMessage(patched(rejectAt, 2)), /not a boolean/);
  t.throws(() => decodeMessage(patched(2, 0x20)), /exceeds 2\^53/);
  const e = encodeEntry({ term: 1, index: 1, type: EntryType.Normal, data: new Uint8Array() });
  const badType = e.slice();
  badType[0] = 2;
  t.throws(() => decodeEntry(badType), /unknown entry type/);
  const cc = encodeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: new Uint8Array() });
  const badCc = cc.slice();
  badCc[0] = 9;
  t.throws(() => decodeConfChange(badCc), /unknown conf change type/);
  const zeroCc = cc.slice();
  zeroCc.fill(0, 1, 9);
  t.throws(() => decodeConfChange(zeroCc), /node id 0/);
  const cs = encodeConfState({ voters: [1, 2], learners: [] });
  const dup = cs.slice();
  dup.set(dup.subarray(4, 12), 12); // voters [1, 1]
  t.throws(() => decodeConfState(dup), /ascending/);
  const zero = cs.slice();
  zero.fill(0, 4, 12);
  t.throws(() => decodeConfState(zero), /node id 0/);
  t.throws(() => decodeHardState(new Uint8Array(23)), /truncated/);
});

t.test('huge counts are refused before allocating', async (t) => {
  const b = encodeMessage(message({ type: MessageType.App, to: 2, from: 1, term: 1 }));
  const countAt = 1 + 6 * 8 + 1 + 8;
  const big = b.slice();
  new DataView(big.buffer).setUint32(countAt, 0xffffffff);
  t.throws(() => decodeMessage(big), /exceeds input/);
  const batch = new Uint8Array(4);
  new DataView(batch.buffer).setUint32(0, 0xffffffff);
  t.throws(() => decodeMessages(batch), /exceeds input/);
  const cs = new Uint8Array(8);
  new DataView(cs.buffer).setUint32(0, 0x10000000);
  t.throws(() => decodeConfState(cs), /truncated/);
});

t.test('encoding refuses values the decoder would refuse (what is written must read back)', async (t) => {
  const m = message({ type: MessageType.App, to: 2, from: 1, term: 1 });
  t.throws(() => encodeMessage({ ...m, type: 259 as MessageType }), { code: 'CODEC' }, 'not silently wrapped to type 3 (regression)');
  t.throws(() => encodeMessage({ ...m, type: (MESSAGE_TYPE_MAX + 1) as MessageType }), { code: 'CODEC' });
  t.throws(() => encodeMessage({ ...m, term: -1 }), { code: 'CODEC' });
  t.throws(() => encodeMessage({ ...m, index: 2 ** 53 }), { code: 'CODEC' });
  t.throws(() => encodeMessage({ ...m, commit: 1.5 }), { code: 'CODEC' });
  t.throws(() => encodeEntry({ term: 1, index: 1, type: 7 as EntryType, data: new Uint8Array() }), { code: 'CODEC' });
  t.throws(() => encodeConfState({ voters: [1, 1], learners: [] }), { code: 'CODEC' });
  t.throws(() => encodeConfState({ voters: [0, 1], learners: [] }), { code: 'CODEC' });
  t.throws(() => encodeConfChange({ type: ConfChangeType.AddLearner, nodeId: 0, context: new Uint8Array() }), { code: 'CODEC' });
  t.throws(() => encodeConfChange({ type: 4 as ConfChangeType, nodeId: 1, context: new Uint8Array() }), { code: 'CODEC' });
  t.same(decodeConfState(encodeConfState({ voters: [3, 1, 2], learners: [] })), { voters: [1, 2, 3], learners: [] }, 'order is canonicalised');
});

t.test('decoded byte fields are views into the input (documented: no copy)', async (t) => {
  const b = encodeMessage(message({ type: MessageType.ReadIndex, to: 1, from: 2, context: new Uint8Array([7, 7]) }));
  const m = decodeMessage(b);
  b[b.length - 1] = 9;
  t.same(Array.from(m.context), [7, 9]);
});

t.test('presized batch encoding is byte for byte what a growing buffer writes, and round-trips', async (t) => {
  const snap = { metadata: { index: 10, term: 2, confState: { voters: [3, 1, 2], learners: [4] } }, data: new Uint8Array(1000).fill(3) };
  const batch = [
    message({ type: MessageType.App, from: 1, to: 2, term: 3, index: 0, entries: [{ term: 3, index: 1, type: EntryType.Normal, data: new TextEncoder().encode('a'.repeat(5000)) }] }),
    message({ type: MessageType.Heartbeat, from: 1, to: 2, term: 3, commit: 9, context: new TextEncoder().encode('ctx') }),
    message({ type: MessageType.Snap, from: 1, to: 2, term: 3, snapshot: snap }),
  ];
  const grown = new Writer(1);
  grown.u32(batch.length);
  for (const m of batch) writeMessage(grown, m);
  t.same(Buffer.from(encodeMessages(batch)), Buffer.from(grown.finish()));
  t.same(decodeMessages(encodeMessages(batch)).map((m) => m.type), batch.map((m) => m.type));
  t.same(Buffer.from(encodeMessages([])), Buffer.from(new Writer(1).u32(0).finish()));
});

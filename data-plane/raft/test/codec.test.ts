import t from 'tap';
import { decodeMessage, encodeMessage, message, MessageType, EntryType, RaftError } from '../src/index.js';

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

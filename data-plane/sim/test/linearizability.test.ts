import t from 'tap';
import fc from 'fast-check';
import {
  checkOperations,
  kvModel,
  kvModelUnpartitioned,
  registerModel,
  UNKNOWN_OUTPUT,
  Bitset,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../src/linearizability/index.js';

type KvOp = Operation<KvInput, KvOutput>;
const INF = Infinity;

const put = (clientId: number, key: string, value: string, call: number, ret: number): KvOp => ({
  clientId,
  input: { kind: 'put', key, value },
  call,
  return: ret,
  output: ret === INF ? UNKNOWN_OUTPUT : { ok: true },
});
const get = (clientId: number, key: string, value: string | null, call: number, ret: number): KvOp => ({
  clientId,
  input: { kind: 'get', key },
  call,
  return: ret,
  output: ret === INF ? UNKNOWN_OUTPUT : { value },
});
const rput = (clientId: number, value: string, call: number, ret: number): Operation<RegisterInput, RegisterOutput> => ({
  clientId,
  input: { kind: 'put', value },
  call,
  return: ret,
  output: ret === INF ? UNKNOWN_OUTPUT : { ok: true },
});
const rget = (clientId: number, value: string | null, call: number, ret: number): Operation<RegisterInput, RegisterOutput> => ({
  clientId,
  input: { kind: 'get' },
  call,
  return: ret,
  output: ret === INF ? UNKNOWN_OUTPUT : { value },
});

const verdict = (h: KvOp[], model: Model<ReadonlyMap<string, string>, KvInput, KvOutput> = kvModel) => checkOperations(model, h).result;

/** Reference checker: tries every order (respecting real time), pending ops may be left out. */
function bruteForce<S, I, O>(model: Model<S, I, O>, h: readonly Operation<I, O>[]): boolean {
  const placed = new Array<boolean>(h.length).fill(false);
  const go = (state: S, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < h.length; i++) {
      if (placed[i]) continue;
      const o = h[i]!;
      // Any unplaced op that returned strictly before o was called must come first.
      if (h.some((p, j) => !placed[j] && p.return < o.call)) continue;
      const r = model.step(state, o.input, o.output);
      if (!r.ok) continue;
      placed[i] = true;
      const ok = go(r.state, left - (o.return === INF ? 0 : 1));
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(model.init(), h.filter((o) => o.return !== INF).length);
}

t.test('classic histories', async (t) => {
  t.equal(verdict([]), 'ok', 'empty history');
  t.equal(
    verdict([put(1, 'x', '1', 0, 1), get(2, 'x', '1', 2, 3), put(1, 'x', '2', 4, 5), get(2, 'x', '2', 6, 7), get(3, 'y', null, 8, 9)]),
    'ok',
    'sequential',
  );
  // Concurrent put/get: the get may be linearized before or after the put.
  t.equal(verdict([put(1, 'x', '1', 0, 10), get(2, 'x', '1', 2, 5)]), 'ok', 'overlap, read sees the write');
  t.equal(verdict([put(1, 'x', '1', 0, 10), get(2, 'x', null, 2, 5)]), 'ok', 'overlap, read misses the write');
  t.equal(verdict([get(2, 'x', '1', 0, 5), put(1, 'x', '1', 2, 10)]), 'ok', 'read called first still may see the write');
  t.equal(verdict([get(2, 'x', '1', 0, 1), put(1, 'x', '1', 2, 10)]), 'illegal', 'read that ended before the write started cannot see it');

  t.equal(verdict([put(1, 'x', '1', 0, 1), put(1, 'x', '2', 2, 3), get(2, 'x', '1', 4, 5)]), 'illegal', 'stale read after completed write');
  t.equal(verdict([put(1, 'x', '1', 0, 1), get(2, 'x', 'zz', 2, 3)]), 'illegal', 'value never written');
  t.equal(verdict([put(1, 'x', '1', 0, 1), get(2, 'x', 'zz', 0, 10)]), 'illegal', 'value never written, concurrent read');
  t.equal(verdict([put(1, 'x', '1', 0, 1), get(2, 'x', null, 2, 3)]), 'illegal', 'read misses a completed write');

  // New then old in real time, while a write is in flight.
  const base = [put(1, 'x', '1', 0, 1), put(1, 'x', '2', 2, 20)];
  t.equal(verdict([...base, get(2, 'x', '2', 3, 4), get(3, 'x', '1', 5, 6)]), 'illegal', 'reads see new then old');
  t.equal(verdict([...base, get(2, 'x', '1', 3, 4), get(3, 'x', '2', 5, 6)]), 'ok', 'reads see old then new');
  t.equal(verdict([...base, get(2, 'x', '2', 3, 6), get(3, 'x', '1', 5, 8)]), 'ok', 'overlapping reads may see new then old');
});

t.test('pending operations', async (t) => {
  const base = [put(1, 'x', '1', 0, 1), put(9, 'x', '2', 2, INF)];
  t.equal(verdict([...base, get(2, 'x', '1', 3, 4), get(3, 'x', '1', 5, 6)]), 'ok', 'lost write never happened');
  t.equal(verdict([...base, get(2, 'x', '1', 3, 4), get(3, 'x', '2', 5, 6)]), 'ok', 'pending write took effect between the reads');
  t.equal(verdict([...base, get(2, 'x', '2', 3, 4), get(3, 'x', '2', 5, 6)]), 'ok', 'pending write took effect early');
  t.equal(verdict([...base, get(2, 'x', '2', 3, 4), get(3, 'x', '1', 5, 6)]), 'illegal', 'observed, then un-observed');
  t.equal(verdict([put(9, 'x', '2', 2, INF), get(2, 'x', '2', 0, 1)]), 'illegal', 'pending write cannot act before its call');
  t.equal(verdict([put(9, 'x', '2', 0, INF), get(2, 'x', null, 100, 101)]), 'ok', 'pending write omitted entirely');
  t.equal(verdict([get(9, 'x', null, 0, INF), put(1, 'x', '1', 1, 2)]), 'ok', 'pending read');
  t.equal(verdict([put(9, 'x', '2', 0, INF), put(8, 'x', '3', 0, INF), get(1, 'x', '3', 5, 6), get(1, 'x', '2', 7, 8)]), 'ok', 'two pending writes, both seen');
  t.equal(
    verdict([put(9, 'x', '2', 0, INF), put(8, 'x', '3', 0, INF), get(1, 'x', '3', 5, 6), get(1, 'x', '2', 7, 8), get(1, 'x', '3', 9, 10)]),
    'illegal',
    'two pending writes cannot flip back',
  );
});

t.test('equal timestamps are treated as concurrent', async (t) => {
  // The read is called in the tick the write returned: treated as overlapping, so either order is fine.
  t.equal(verdict([put(1, 'x', '1', 0, 5), get(2, 'x', null, 5, 6)]), 'ok');
  t.equal(verdict([get(2, 'x', '1', 0, 5), put(1, 'x', '1', 5, 6)]), 'ok');
  t.equal(verdict([put(1, 'x', '1', 0, 5), get(2, 'x', null, 6, 7)]), 'illegal', 'but one tick later the order is known');
  // Zero-length operations.
  t.equal(verdict([put(1, 'x', '1', 3, 3), get(2, 'x', '1', 3, 3), get(2, 'x', '1', 4, 4)]), 'ok');
  t.equal(verdict([put(1, 'x', '1', 3, 3), get(2, 'x', null, 4, 4)]), 'illegal');
});

t.test('registerModel', async (t) => {
  t.equal(checkOperations(registerModel, [rput(1, 'a', 0, 1), rget(2, 'a', 2, 3)]).result, 'ok');
  t.equal(checkOperations(registerModel, [rget(2, null, 0, 1), rput(1, 'a', 2, 3), rget(2, 'a', 4, 5)]).result, 'ok');
  t.equal(checkOperations(registerModel, [rput(1, 'a', 0, 1), rput(1, 'b', 2, 3), rget(2, 'a', 4, 5)]).result, 'illegal');
  t.equal(checkOperations(registerModel, [rput(1, 'a', 0, 1), rput(3, 'b', 2, INF), rget(2, 'a', 4, 5), rget(2, 'b', 6, 7)]).result, 'ok');
  t.equal(checkOperations(registerModel, [rput(1, 'a', 0, 1), rput(3, 'b', 2, INF), rget(2, 'b', 4, 5), rget(2, 'a', 6, 7)]).result, 'illegal');
});

t.test('failure explanation', async (t) => {
  const h = [put(1, 'y', '1', 0, 1), put(1, 'x', '1', 0, 1), put(1, 'x', '2', 2, 3), get(2, 'x', '1', 4, 5), get(2, 'y', '1', 4, 5)];
  const r = checkOperations(kvModel, h);
  if (r.result !== 'illegal') return t.fail(`expected illegal, got ${r.result}`);
  t.equal(r.partition, 1, 'index of the key "x" partition');
  t.same(r.longestPrefix, [h[1], h[2]]);
  t.equal(r.unplaced, h[3]);
  t.match(r.explanation, /partition 1 \(key "x"\) of 2/);
  t.match(r.explanation, /1\. client 1 \[0, 1\] put\("x", "1"\) -> ok/);
  t.match(r.explanation, /State after the prefix: \{"x": "2"\}/);
  t.match(r.explanation, /Could not place: client 2 \[4, 5\] get\("x"\) -> "1"/);
  t.match(r.explanation, /its output is illegal in this state/);

  const p = checkOperations(kvModel, [put(7, 'x', '9', 0, INF), get(2, 'x', 'zz', 1, 2)]);
  if (p.result !== 'illegal') return t.fail('expected illegal');
  t.same(p.longestPrefix.map((o) => o.clientId), [7], 'the pending write may be in the prefix');
  t.match(p.explanation, /1\. client 7 \[0, pending\) put\("x", "9"\) -> \?/);
  t.match(p.explanation, /- client 2 \[1, 2\] get\("x"\) -> "zz": its output is illegal in this state/);
});

t.test('malformed histories are rejected', async (t) => {
  t.throws(() => checkOperations(kvModel, [put(1, 'x', '1', 5, 4)]), RangeError);
  t.throws(() => checkOperations(kvModel, [put(1, 'x', '1', INF, INF)]), RangeError);
  t.throws(() => checkOperations(kvModel, [put(1, 'x', '1', 0, NaN)]), RangeError);
  t.throws(() => checkOperations(kvModel, [], { maxSteps: -1 }), RangeError);
});

t.test('bitset', async (t) => {
  const a = new Bitset(70);
  const b = new Bitset(70);
  a.set(3);
  a.set(69);
  a.set(40);
  b.set(40);
  b.set(69);
  t.notOk(a.equals(b));
  b.set(3);
  t.ok(a.equals(b));
  t.equal(a.hash(), b.hash());
  t.equal(a.count(), 3);
  a.clear(69);
  t.notOk(a.has(69));
  t.ok(a.has(3) && a.has(40));
  t.notOk(a.equals(b));
  a.set(69);
  t.ok(a.equals(b));
  const c = a.clone();
  c.clear(3);
  t.ok(a.has(3), 'clone is independent');
});

// ---------- property tests ----------

const KEYS = ['a', 'b', 'c'];
const VALUES = ['1', '2', '3'];

interface SeqOp {
  isPut: boolean;
  key: string;
  value: string;
  before: number;
  after: number;
  pending: number;
  clientId: number;
}
interface Ghost {
  key: string;
  value: string;
  call: number;
  clientId: number;
}
interface RandomOp {
  isPut: boolean;
  key: string;
  value: string;
  read: string | null;
  call: number;
  len: number;
  pending: number;
  clientId: number;
}

const seqOpArb: fc.Arbitrary<SeqOp> = fc.record({
  isPut: fc.boolean(),
  key: fc.constantFrom(...KEYS),
  value: fc.constantFrom(...VALUES),
  before: fc.nat(40),
  after: fc.nat(40),
  pending: fc.nat(9), // 0 => never returned
  clientId: fc.nat(4),
});
const ghostArb: fc.Arbitrary<Ghost> = fc.record({ key: fc.constantFrom(...KEYS), value: fc.constantFrom(...VALUES, '4'), call: fc.nat(400), clientId: fc.nat(4) });

/**
 * A sequential run against kvModel; op i takes effect at 10*(i+1), inside [call, return].
 * Plus "ghost" writes that never returned and never took effect.
 */
function linearizableHistory(seq: SeqOp[], ghosts: Ghost[]): KvOp[] {
  let state = kvModel.init();
  const h: KvOp[] = [];
  seq.forEach((o, i) => {
    const point = 10 * (i + 1);
    const call = point - o.before;
    const ret = o.pending === 0 ? INF : point + o.after;
    if (o.isPut) {
      state = kvModel.step(state, { kind: 'put', key: o.key, value: o.value }, { ok: true }).state;
      h.push(put(o.clientId, o.key, o.value, call, ret));
    } else {
      h.push(get(o.clientId, o.key, state.get(o.key) ?? null, call, ret));
    }
  });
  for (const g of ghosts) h.push(put(g.clientId, g.key, g.value, g.call, INF));
  return h;
}

t.test('property: widened sequential executions are linearizable', async (t) => {
  fc.assert(
    fc.property(fc.array(seqOpArb, { maxLength: 40 }), fc.array(ghostArb, { maxLength: 3 }), fc.boolean(), (seq, ghosts, reverse) => {
      const h = linearizableHistory(seq, ghosts);
      if (reverse) h.reverse(); // input order must not matter
      const r = checkOperations(kvModel, h);
      if (r.result !== 'ok') throw new Error(`${r.result}: ${'explanation' in r ? r.explanation : r.reason}`);
      return checkOperations(kvModelUnpartitioned, h).result === 'ok';
    }),
    { numRuns: 300 },
  );
  t.pass();
});

t.test('property: a read of a value never written is illegal', async (t) => {
  fc.assert(
    fc.property(fc.array(seqOpArb, { minLength: 1, maxLength: 40 }), fc.array(ghostArb, { maxLength: 3 }), fc.nat(), (seq, ghosts, pick) => {
      const h = linearizableHistory(seq, ghosts);
      const reads = h.map((o, i) => ({ o, i })).filter(({ o }) => o.input.kind === 'get' && o.return !== INF);
      fc.pre(reads.length > 0);
      const victim = reads[pick % reads.length]!;
      h[victim.i] = { ...victim.o, output: { value: 'never-written' } };
      const r = checkOperations(kvModel, h);
      if (r.result !== 'illegal') return false;
      // The reported prefix is a legal sequential run of the failing partition.
      let s = kvModel.init();
      for (const o of r.longestPrefix) {
        const st = kvModel.step(s, o.input, o.output);
        if (!st.ok) return false;
        s = st.state;
      }
      return r.unplaced !== undefined && r.unplaced.return !== INF;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

// Arbitrary (mostly non-linearizable) small histories.
const randomOpArb: fc.Arbitrary<RandomOp> = fc.record({
  isPut: fc.boolean(),
  key: fc.constantFrom('a', 'b'),
  value: fc.constantFrom('1', '2'),
  read: fc.constantFrom<string | null>(null, '1', '2'),
  call: fc.nat(12),
  len: fc.nat(6),
  pending: fc.nat(7),
  clientId: fc.nat(3),
});
const randomHistory = (ops: RandomOp[]): KvOp[] =>
  ops.map((o) => {
    const ret = o.pending === 0 ? INF : o.call + o.len;
    return o.isPut ? put(o.clientId, o.key, o.value, o.call, ret) : get(o.clientId, o.key, o.read, o.call, ret);
  });

t.test('property: partitioned, unpartitioned and brute-force verdicts agree', async (t) => {
  let illegal = 0;
  let ok = 0;
  fc.assert(
    fc.property(fc.array(randomOpArb, { maxLength: 7 }), (ops) => {
      const h = randomHistory(ops);
      const expected = bruteForce(kvModelUnpartitioned, h) ? 'ok' : 'illegal';
      if (expected === 'ok') ok++;
      else illegal++;
      return verdict(h) === expected && verdict(h, kvModelUnpartitioned) === expected;
    }),
    { numRuns: 1500 },
  );
  t.ok(ok > 100 && illegal > 100, `both verdicts exercised (ok=${ok}, illegal=${illegal})`);
});

t.test('property: registerModel agrees with brute force', async (t) => {
  fc.assert(
    fc.property(fc.array(randomOpArb, { maxLength: 7 }), (ops) => {
      const h = ops.map((o) => {
        const ret = o.pending === 0 ? INF : o.call + o.len;
        return o.isPut ? rput(o.clientId, o.value, o.call, ret) : rget(o.clientId, o.read, o.call, ret);
      });
      return (checkOperations(registerModel, h).result === 'ok') === bruteForce(registerModel, h);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

t.test('search is bounded by maxSteps', async (t) => {
  // 40 overlapping writes then a read of a value none wrote: refuting it needs ~2^40 subsets.
  const h: KvOp[] = [];
  for (let i = 0; i < 40; i++) h.push(put(i, 'x', `v${i}`, 0, 100));
  h.push(get(99, 'x', 'never', 101, 102));
  const r = checkOperations(kvModel, h, { maxSteps: 10_000 });
  t.equal(r.result, 'unknown');
  if (r.result === 'unknown') t.match(r.reason, /maxSteps=10000/);
  t.equal(checkOperations(kvModel, h, { maxSteps: 0 }).result, 'unknown');

  // The budget is shared across partitions.
  const multi: KvOp[] = [];
  for (const key of ['x', 'y', 'z']) for (let i = 0; i < 18; i++) multi.push(put(i, key, `v${i}`, 0, 100));
  for (const key of ['x', 'y', 'z']) multi.push(get(99, key, 'never', 101, 102));
  t.equal(checkOperations(kvModel, multi, { maxSteps: 20_000 }).result, 'unknown');

  // The default bound also terminates. (The ok variant reads the value the search places last.)
  const okH = [...h.slice(0, 40), get(99, 'x', 'v39', 101, 102)];
  t.equal(checkOperations(kvModel, okH).result, 'ok');
  t.equal(checkOperations(kvModel, h).result, 'unknown', 'default maxSteps');
});

t.test('a cheap violation in one key is found even if another key is hard', async (t) => {
  const h: KvOp[] = [];
  for (let i = 0; i < 40; i++) h.push(put(i, 'hard', `v${i}`, 0, 100));
  h.push(get(99, 'hard', 'never', 101, 102));
  h.push(put(1, 'easy', '1', 0, 1), get(2, 'easy', null, 2, 3));
  const r = checkOperations(kvModel, h, { maxSteps: 10_000 });
  t.equal(r.result, 'illegal');
  if (r.result === 'illegal') t.equal(r.partition, 1);
});

t.test('larger linearizable histories check quickly', async (t) => {
  // 2000 ops, heavy overlap on few keys.
  const seq: SeqOp[] = [];
  for (let i = 0; i < 2000; i++) {
    seq.push({ isPut: i % 3 === 0, key: KEYS[i % 3]!, value: VALUES[(i * 7) % 3]!, before: (i * 13) % 41, after: (i * 17) % 43, pending: i % 50 === 0 ? 0 : 1, clientId: i % 8 });
  }
  const r = checkOperations(kvModel, linearizableHistory(seq, []));
  t.equal(r.result, 'ok');
});

// LedgerStore against real LMDB in temp dirs: visibility before durability, refusals that change
// nothing, reopen, historic reads and proofs, the indexes, and a random run against a model.
import t from 'tap';
import { open as openLmdb } from 'lmdb';
import {
  type Block,
  encodeBlock,
  gostSuite,
  makeBlock,
  RESULT_OK,
  SMT_EMPTY,
  smtReferenceRoot,
  toHex,
  type Transaction,
  utf8,
  verifyStateProof,
  verifyTxProof,
  ZERO_HASH,
} from '@konsortium/protocol';
import { LedgerStore, LedgerStoreError, MAX_KEY_BYTES } from '../src/index.js';
import { asyncCodeOf, hash, nextBlock as buildNext, openStore, sender, suite, text, type TextWrites, tmpDir, toMap, tx as fixtureTx } from './ledger-fixtures.js';

const CHANNEL = 'test-channel';
type Writes = TextWrites;

function tx(nonce: number): Transaction {
  return fixtureTx(CHANNEL, nonce);
}

function nextBlock(store: LedgerStore, writes: Writes, txs: { tx: Transaction; code: string }[] = [], appliedIndex?: number) {
  return buildNext(store, CHANNEL, writes, txs, { appliedIndex });
}

function commit(store: LedgerStore, writes: Writes, txs: { tx: Transaction; code: string }[] = [], appliedIndex?: number): Block {
  const c = nextBlock(store, writes, txs, appliedIndex);
  store.commit(c);
  return c.block;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LedgerStoreError ? e.code : `not a LedgerStoreError: ${String(e)}`;
  }
  return undefined;
}

t.test('an empty store', async (t) => {
  const store = await openStore(t, await tmpDir(t));
  t.equal(store.head, null);
  t.equal(store.lowestBlock, 0);
  t.equal(store.appliedIndex, 0);
  t.equal(store.get('a'), undefined);
  t.equal(store.block(0), undefined);
  t.equal(codeOf(() => store.getAt(0, 'a')), 'NOT_FOUND');
  t.equal(codeOf(() => store.proveState('a')), 'NOT_FOUND');
  t.equal(await asyncCodeOf(store.exportSnapshot()), 'NOT_FOUND');
  const p = store.prepare(toMap({ a: '1', b: '2' }));
  t.same(p.baseRoot, SMT_EMPTY);
  t.same(p.root, smtReferenceRoot(hash, toMap({ a: '1', b: '2' }) as Map<string, Uint8Array>));
  t.equal(store.head, null, 'prepare changes nothing');
});

t.test('a commit is readable at once and durable after flush', async (t) => {
  const store = await openStore(t, await tmpDir(t), true);
  commit(store, { a: 'genesis-a', b: 'genesis-b' });
  const txs = [
    { tx: tx(1), code: RESULT_OK },
    { tx: tx(2), code: 'INSUFFICIENT_FUNDS' },
    { tx: tx(3), code: RESULT_OK },
  ];
  const b1 = commit(store, { a: 'one', b: null, c: 'new' }, txs, 5);
  t.equal(store.head?.height, 1, 'before any flush');
  t.same(store.head?.hash, b1.hash);
  t.equal(store.appliedIndex, 5);
  t.equal(store.durableAppliedIndex, 0, 'not durable yet');
  t.equal(text(store.get('a')), 'one');
  t.equal(store.get('b'), undefined);
  t.equal(text(store.get('c')), 'new');
  t.equal(text(store.getAt(0, 'a')), 'genesis-a');
  t.equal(text(store.getAt(0, 'b')), 'genesis-b');
  t.equal(store.getAt(1, 'b'), null);
  t.same(store.blockBytes(1), encodeBlock(b1));
  t.same(store.block(1)?.hash, b1.hash);
  t.same(store.txLocation(txs[1]!.tx.id), { height: 1, index: 1, code: 'INSUFFICIENT_FUNDS' });
  t.ok(store.nonceUsed(sender.publicKey, 1));
  t.notOk(store.nonceUsed(sender.publicKey, 2), 'a rejected tx does not use its nonce');
  t.ok(store.nonceUsed(sender.publicKey, 3));
  t.equal(store.stateEntries().size, 2);
  await store.flush();
  t.equal(store.durableAppliedIndex, 5, 'durable after flush');
  t.equal(text(store.get('a')), 'one', 'read from disk after the overlay let go');
  t.equal(store.get('b'), undefined);
  t.same(store.txLocation(txs[2]!.tx.id), { height: 1, index: 2, code: RESULT_OK });
  t.ok(store.nonceUsed(sender.publicKey, 3));
  t.same(store.blockBytes(1), encodeBlock(b1));
});

t.test('reopen keeps head, state, blocks and indexes', async (t) => {
  const dir = await tmpDir(t);
  const store = await LedgerStore.open({ dir, hash });
  commit(store, { a: '0' });
  const txs = [{ tx: tx(7), code: RESULT_OK }];
  commit(store, { a: '1', z: 'zz' }, txs, 3);
  store.markApplied(4);
  const head = store.head;
  await store.close();
  const again = await openStore(t, dir);
  t.same(again.head, head);
  t.same(again.head?.appliedIndex, 4);
  t.equal(again.durableAppliedIndex, 4);
  t.equal(text(again.get('a')), '1');
  t.equal(text(again.get('z')), 'zz');
  t.equal(text(again.getAt(0, 'a')), '0');
  t.same(again.txLocation(txs[0]!.tx.id), { height: 1, index: 0, code: RESULT_OK });
  t.ok(again.nonceUsed(sender.publicKey, 7));
  t.ok(verifyTxProof(suite, again.proveTx(txs[0]!.tx.id)!));
  commit(again, { a: '2' });
  t.equal(again.head?.height, 2, 'the chain continues');
});

t.test('a commit that breaks an invariant is refused and changes nothing', async (t) => {
  const store = await openStore(t, await tmpDir(t));
  commit(store, { a: '0' });
  commit(store, { a: '1' }, [{ tx: tx(1), code: RESULT_OK }], 10);
  const head = store.head;
  const before = (): void => {
    t.same(store.head, head, 'head unchanged');
    t.equal(text(store.get('a')), '1', 'state unchanged');
    t.equal(store.block(2), undefined, 'no block 2');
  };
  const good = (): ReturnType<typeof nextBlock> => nextBlock(store, { a: '2' }, [{ tx: tx(2), code: RESULT_OK }]);
  const attempts: [string, () => unknown][] = [
    ['wrong height', () => store.commit({ ...good(), block: makeBlock(suite, { ...good().block.header, height: 3 }, good().block.txs, good().block.results) })],
    ['wrong prev hash', () => store.commit({ ...good(), block: makeBlock(suite, { ...good().block.header, prevHash: ZERO_HASH }, good().block.txs, good().block.results) })],
    ['state root differs', () => store.commit({ ...good(), prepared: store.prepare(toMap({ a: 'other' })) })],
    ['foreign prepared state', () => store.commit({ ...good(), prepared: { ...good().prepared } })],
    ['applied index not increasing', () => store.commit({ ...good(), appliedIndex: 10 })],
    ['tx entry count', () => store.commit({ ...good(), txs: [] })],
    ['tx entry code', () => store.commit({ ...good(), txs: good().txs.map((e) => ({ ...e, code: 'NOPE' })) })],
    ['nonce already used', () => store.commit(nextBlock(store, { a: '2' }, [{ tx: tx(1), code: RESULT_OK }]))],
    ['block hash not its own', () => store.commit({ ...good(), block: { ...good().block, hash: new Uint8Array(32) } })],
  ];
  for (const [what, attempt] of attempts) {
    t.equal(codeOf(attempt), 'INVALID_ARGUMENT', what);
    before();
  }
  // A prepared state goes stale once another block is committed.
  const stale = good();
  store.commit(good());
  t.equal(store.head?.height, 2);
  t.equal(codeOf(() => store.commit({ ...nextBlock(store, { a: '3' }), prepared: stale.prepared })), 'INVALID_ARGUMENT', 'stale prepared state');
  t.equal(store.head?.height, 2);
});

t.test('getAt and proveState at old heights, before and after reopen', async (t) => {
  const dir = await tmpDir(t);
  let store = await LedgerStore.open({ dir, hash, fsync: false });
  const history: Writes[] = [];
  const model: Writes = {};
  for (let h = 0; h < 6; h++) {
    const writes: Writes = { a: `a${h}`, [`k${h}`]: `v${h}` };
    if (h === 3) writes['k1'] = null;
    commit(store, writes);
    Object.assign(model, writes);
    history.push({ ...model });
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let h = 0; h < 6; h++) {
      for (const key of ['a', 'k0', 'k1', 'k5', 'absent']) {
        const want = history[h]![key] ?? null;
        t.equal(text(store.getAt(h, key)), want, `pass ${pass}: ${key} at ${h}`);
        const p = store.proveState(key, h);
        t.equal(p.value === null ? null : new TextDecoder().decode(Buffer.from(p.value, 'hex')), want);
        const header = verifyStateProof(suite, p);
        t.equal(header?.height, h, `pass ${pass}: proof of ${key} at ${h} verifies`);
        t.equal(verifyStateProof(suite, { ...p, value: toHex(utf8('forged')) }), null, 'a forged value fails');
      }
    }
    t.equal(store.proveState('a').height, 5, 'default height: head');
    t.equal(codeOf(() => store.getAt(6, 'a')), 'NOT_FOUND');
    t.equal(codeOf(() => store.getAt(-1, 'a')), 'INVALID_ARGUMENT');
    await store.close();
    store = await LedgerStore.open({ dir, hash, fsync: false });
  }
  await store.close();
});

t.test('proveTx proofs verify with verifyTxProof', async (t) => {
  const store = await openStore(t, await tmpDir(t));
  commit(store, {});
  const txs = [10, 11, 12, 13, 14].map((n) => ({ tx: tx(n), code: n === 12 ? 'REJECTED' : RESULT_OK }));
  commit(store, { x: '1' }, txs);
  commit(store, { x: '2' }, [{ tx: tx(20), code: RESULT_OK }]);
  for (let pass = 0; pass < 2; pass++) {
    for (const { tx: x, code } of txs) {
      const p = store.proveTx(x.id)!;
      const v = verifyTxProof(suite, p);
      t.equal(v?.code, code, `pass ${pass}: tx ${x.nonce}`);
      t.equal(v?.header.height, 1);
      t.equal(verifyTxProof(suite, { ...p, code: code === RESULT_OK ? 'REJECTED' : RESULT_OK }), null, 'another outcome fails');
    }
    await store.flush();
  }
  t.equal(store.proveTx(new Uint8Array(32)), undefined, 'unknown tx');
});

t.test('markApplied: ordered with commits, monotonic, persistent', async (t) => {
  const dir = await tmpDir(t);
  const store = await LedgerStore.open({ dir, hash });
  store.markApplied(1);
  t.equal(store.appliedIndex, 1);
  t.equal(store.head, null, 'no block from a no-op');
  commit(store, { a: '1' }, [], 2);
  store.markApplied(3);
  t.equal(store.head?.appliedIndex, 3);
  t.equal(codeOf(() => store.markApplied(3)), 'INVALID_ARGUMENT');
  t.equal(codeOf(() => store.markApplied(1.5)), 'INVALID_ARGUMENT');
  await store.flush();
  t.equal(store.durableAppliedIndex, 3);
  await store.close();
  const again = await openStore(t, dir);
  t.equal(again.appliedIndex, 3);
  t.equal(again.head?.height, 0);
});

t.test('open refuses a head that does not match its block (CORRUPT)', async (t) => {
  const dir = await tmpDir(t);
  const store = await LedgerStore.open({ dir, hash });
  const b0 = commit(store, { a: '0' });
  commit(store, { a: '1' });
  await store.close();
  t.equal(await asyncCodeOf(LedgerStore.open({ dir, hash: (d) => gostSuite.hash(d) })), 'CORRUPT', 'another hash function');
  const env = openLmdb({ path: dir, encoding: 'binary', overlappingSync: false });
  const blocks = env.openDB<Uint8Array, Uint8Array>('blocks', { encoding: 'binary', keyEncoding: 'binary' });
  blocks.putSync(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), encodeBlock(b0));
  await env.close();
  t.equal(await asyncCodeOf(LedgerStore.open({ dir, hash })), 'CORRUPT', 'head block replaced');
});

t.test('closed store, one store per directory', async (t) => {
  const dir = await tmpDir(t);
  const store = await LedgerStore.open({ dir, hash });
  t.equal(await asyncCodeOf(LedgerStore.open({ dir, hash })), 'INVALID_ARGUMENT', 'already open here');
  commit(store, { a: '0' });
  await store.close();
  await store.close();
  t.equal(codeOf(() => store.get('a')), 'CLOSED');
  t.equal(codeOf(() => store.head), 'CLOSED');
  t.equal(await asyncCodeOf(store.flush()), 'CLOSED');
  const again = await openStore(t, dir);
  t.equal(text(again.get('a')), '0');
});

t.test('prepare checks keys and copies values', async (t) => {
  const store = await openStore(t, await tmpDir(t));
  for (const key of ['', 'x'.repeat(MAX_KEY_BYTES + 1), 'bad \uD800 surrogate']) {
    t.equal(codeOf(() => store.prepare(toMap({ [key]: 'v' }))), 'INVALID_ARGUMENT', `key of ${key.length} chars`);
  }
  t.equal(codeOf(() => store.prepare(new Map([['k', 'not bytes' as unknown as Uint8Array]]))), 'INVALID_ARGUMENT');
  const value = utf8('original');
  const long = 'é'.repeat(MAX_KEY_BYTES / 2);
  const c = nextBlock(store, {});
  store.commit({ ...c, ...rebuilt(store, new Map([['k', value], [long, utf8('max')]]), c) });
  value.fill(0);
  t.equal(text(store.get('k')), 'original', 'the caller reusing its buffer changes nothing');
  t.equal(text(store.get(long)), 'max', 'a key of exactly MAX_KEY_BYTES');
  await store.flush();
  t.equal(text(store.get('k')), 'original');
});

/** A block like `c` but on a prepared state of `writes`. */
function rebuilt(store: LedgerStore, writes: Map<string, Uint8Array | null>, c: ReturnType<typeof nextBlock>) {
  const prepared = store.prepare(writes);
  const block = makeBlock(suite, { ...c.block.header, stateRoot: prepared.root }, c.block.txs, c.block.results);
  return { prepared, block };
}

t.test('random blocks against a model, with reopens', async (t) => {
  const dir = await tmpDir(t);
  let store = await LedgerStore.open({ dir, hash, fsync: false });
  let s = 99;
  const rand = (n: number): number => ((s = (s * 1103515245 + 12345) >>> 0), s % n);
  const model = new Map<string, string>();
  const history: Map<string, string>[] = [];
  for (let h = 0; h < 60; h++) {
    const writes: Writes = {};
    for (let i = rand(8); i >= 0; i--) writes[`key-${rand(40)}`] = rand(4) === 0 ? null : `v${h}.${i}`;
    commit(store, writes);
    for (const [k, v] of Object.entries(writes)) {
      if (v === null) model.delete(k);
      else model.set(k, v);
    }
    history.push(new Map(model));
    const probe = `key-${rand(40)}`;
    t.equal(text(store.get(probe)), model.get(probe), `block ${h}: ${probe}`);
    if (h % 20 === 19) {
      await store.close();
      store = await LedgerStore.open({ dir, hash, fsync: false });
    }
  }
  const entries = store.stateEntries();
  t.same(new Map([...entries].map(([k, v]) => [k, text(v)])), model, 'the whole state');
  t.same(store.head?.stateRoot, smtReferenceRoot(hash, entries), 'head root = reference root of the state');
  for (let i = 0; i < 20; i++) {
    const h = rand(60);
    const key = `key-${rand(40)}`;
    t.equal(text(store.getAt(h, key)) ?? undefined, history[h]!.get(key), `${key} at ${h}`);
  }
  await store.close();
});

t.test('a failed write poisons the store (STORE_FAILED)', async (t) => {
  const dir = await tmpDir(t);
  const store = await LedgerStore.open({ dir, hash, fsync: false });
  commit(store, { a: '0' });
  await store.flush();
  // Pull the environment from under the store, so that the next write cannot be queued.
  await (store as unknown as { dbs: { env: { close(): Promise<void> } } }).dbs.env.close();
  t.equal(codeOf(() => store.markApplied(9)), 'STORE_FAILED', 'the write that cannot be queued');
  t.equal(codeOf(() => store.get('a')), 'STORE_FAILED', 'reads refuse after that');
  t.equal(codeOf(() => store.prepare(toMap({ a: '1' }))), 'STORE_FAILED', 'and so do writes');
  t.equal(await asyncCodeOf(store.flush()), 'STORE_FAILED');
  t.equal(store.durableAppliedIndex, 0, 'what was durable is still known');
  await store.close();
  const again = await openStore(t, dir);
  t.equal(again.head?.height, 0, 'the disk holds the durable prefix');
});

// Ledger snapshots: export → import gives the same head, state and roots; export is the state at
// the call even while commits continue; mismatching or damaged snapshots are refused.
import t from 'tap';
import {
  type Block,
  RESULT_OK,
  smtReferenceRoot,
  type Transaction,
  utf8,
  verifyStateProof,
  verifyTxProof,
} from '@konsortium/protocol';
import { decodeLedgerSnapshot, encodeLedgerSnapshot, type LedgerStore } from '../src/index.js';
import { asyncCodeOf, hash, nextBlock, openStore, sender, suite, text, tx as fixtureTx } from './ledger-fixtures.js';
import { SnapshotEncoder } from '../src/ledger/snapshot-format.js';

const CHANNEL = 'snap-channel';
const tx = (nonce: number): Transaction => fixtureTx(CHANNEL, nonce);

/** Commits the next block with these writes and txs (nonces; odd ones rejected). */
function commit(store: LedgerStore, writes: Record<string, string | null>, nonces: number[] = []): Block {
  const txs = nonces.map((n) => ({ tx: tx(n), code: n % 2 === 0 ? RESULT_OK : 'REJECTED' }));
  const c = nextBlock(store, CHANNEL, writes, txs, { proposer: 2, appliedIndex: (store.head?.appliedIndex ?? 0) + 1 });
  store.commit(c);
  return c.block;
}

/** A source chain: 5 blocks, overwrites and deletes, txs in blocks 1 and 4. */
function buildSource(store: LedgerStore): void {
  commit(store, { a: '0', b: '0', gone: 'soon' });
  commit(store, { a: '1', 'ключ': 'значение' }, [2, 3]);
  commit(store, { gone: null, c: '2' });
  commit(store, { a: '3' });
  commit(store, { d: '4', b: null }, [4, 5, 6]);
}

const codeOf = asyncCodeOf;

const textState = (s: LedgerStore): Map<string, string | null | undefined> => new Map([...s.stateEntries()].map(([k, v]) => [k, text(v)]));

t.test('export → import into a fresh store gives the same head, state and roots', async (t) => {
  const source = await openStore(t);
  buildSource(source);
  const data = await source.exportSnapshot();
  const target = await openStore(t);
  await target.importSnapshot(data, 42);
  const head = target.head!;
  t.same({ ...head, appliedIndex: 0 }, { ...source.head!, appliedIndex: 0 }, 'same head block');
  t.equal(head.appliedIndex, 42, 'the given applied index');
  t.equal(target.durableAppliedIndex, 42, 'durable on return');
  t.same(textState(target), textState(source), 'same state');
  t.same(head.stateRoot, smtReferenceRoot(hash, target.stateEntries()), 'root of the imported state');
  t.equal(target.lowestBlock, 4);
  t.same(target.blockBytes(4), source.blockBytes(4));
  t.equal(target.block(3), undefined, 'older blocks are not carried');
  t.equal(await codeOf((async () => target.getAt(3, 'a'))()), 'NOT_FOUND');
  t.equal(text(target.getAt(4, 'a')), '3');
  t.ok(verifyStateProof(suite, target.proveState('ключ')), 'state proofs verify');
  t.ok(verifyStateProof(suite, target.proveState('gone')), 'absence proofs verify');
  for (const n of [4, 5, 6]) t.equal(verifyTxProof(suite, target.proveTx(tx(n).id)!)?.header.height, 4, `head tx ${n} proves`);
  t.same(target.txLocation(tx(3).id), { height: 1, index: 1, code: 'REJECTED' }, 'older tx still located');
  t.equal(target.proveTx(tx(3).id), undefined, 'but not provable without its block');
  for (const n of [2, 3, 4, 5, 6, 7]) t.equal(target.nonceUsed(sender.publicKey, n), source.nonceUsed(sender.publicKey, n), `nonce ${n}`);
  // The imported store goes on, and survives a reopen.
  commit(target, { e: '5' }, [8]);
  commit(source, { e: '5' }, [8]);
  t.same(target.head!.hash, source.head!.hash, 'next block identical on both');
  t.same(decodeLedgerSnapshot(hash, data), decodeLedgerSnapshot(hash, encodeLedgerSnapshot(hash, decodeLedgerSnapshot(hash, data))), 'decode/encode round trip');
  t.same(encodeLedgerSnapshot(hash, decodeLedgerSnapshot(hash, data)), data, 'one encoding per snapshot');
});

t.test('export is the state at the call, even while commits continue', async (t) => {
  const source = await openStore(t);
  buildSource(source);
  const headAtCall = source.head!;
  const stateAtCall = textState(source);
  const exporting = source.exportSnapshot();
  for (let i = 0; i < 5; i++) commit(source, { a: `later ${i}`, [`new${i}`]: 'x' }, [100 + 2 * i]);
  const data = await exporting;
  const target = await openStore(t);
  await target.importSnapshot(data, 7);
  t.same(target.head!.hash, headAtCall.hash);
  t.same(textState(target), stateAtCall);
  t.equal(target.txLocation(tx(100).id), undefined, 'later txs are not in it');
  t.notOk(target.nonceUsed(sender.publicKey, 100));
});

t.test('import replaces everything in a non-empty store', async (t) => {
  const source = await openStore(t);
  buildSource(source);
  const target = await openStore(t);
  commit(target, { only: 'here' }, [40]);
  commit(target, { more: 'here' });
  await target.importSnapshot(await source.exportSnapshot(), 9);
  t.same(textState(target), textState(source));
  t.equal(target.get('only'), undefined);
  t.equal(target.txLocation(tx(40).id), undefined);
  t.notOk(target.nonceUsed(sender.publicKey, 40));
  t.equal(target.block(0), undefined);
  t.equal(target.head!.height, 4);
});

t.test('an import whose content does not match the head block is refused', async (t) => {
  const source = await openStore(t);
  buildSource(source);
  const snap = decodeLedgerSnapshot(hash, await source.exportSnapshot());
  const target = await openStore(t);
  commit(target, { keep: 'me' });
  const headBefore = target.head;
  const forged = [
    ['a state value changed', { ...snap, state: snap.state.map((e) => (e.key === 'a' ? { ...e, value: utf8('forged') } : e)) }],
    ['a state entry dropped', { ...snap, state: snap.state.slice(1) }],
    ['a state entry added', { ...snap, state: [...snap.state, { key: 'extra', value: utf8('x') }] }],
    ['a head tx dropped', { ...snap, txs: snap.txs.filter((x) => x.height !== 4 || x.index !== 1) }],
    ['a head tx code changed', { ...snap, txs: snap.txs.map((x) => (x.height === 4 && x.index === 0 ? { ...x, code: 'REJECTED' } : x)) }],
    ['a tx above the head', { ...snap, txs: [...snap.txs, { txId: new Uint8Array(32).fill(9), height: 5, index: 0, code: RESULT_OK }] }],
    ['a nonce of an unknown tx', { ...snap, nonces: [...snap.nonces, { sender: sender.publicKey, nonce: 999, txId: new Uint8Array(32).fill(7) }] }],
  ] as const;
  for (const [what, s] of forged) {
    t.equal(await codeOf(target.importSnapshot(encodeLedgerSnapshot(hash, s), 5)), 'SNAPSHOT_MISMATCH', what);
    t.same(target.head, headBefore, `${what}: nothing changed`);
    t.equal(text(target.get('keep')), 'me');
  }
});

t.test('damaged snapshot bytes are CORRUPT', async (t) => {
  const source = await openStore(t);
  buildSource(source);
  const data = await source.exportSnapshot();
  const target = await openStore(t);
  const flipped = Uint8Array.from(data);
  flipped[Math.floor(data.length / 2)]! ^= 0x10;
  const damaged = {
    'a flipped bit': flipped,
    truncated: data.subarray(0, data.length - 1),
    'a trailing byte': Uint8Array.from([...data, 0]),
    empty: new Uint8Array(0),
  };
  for (const [what, bytes] of Object.entries(damaged)) t.equal(await codeOf(target.importSnapshot(bytes, 1)), 'CORRUPT', what);
  // A matching checksum over a body that is not canonical (state out of path order) is CORRUPT too.
  const snap = decodeLedgerSnapshot(hash, data);
  const enc = new SnapshotEncoder(snap.block);
  for (const e of [...snap.state].reverse()) enc.addState(utf8(e.key), e.value);
  t.equal(await codeOf(target.importSnapshot(enc.finish(hash), 1)), 'CORRUPT', 'state out of order');
  t.equal(target.head, null, 'nothing imported');
});

t.test('export of a large state yields to the event loop', async (t) => {
  const source = await openStore(t);
  const writes: Record<string, string> = {};
  for (let i = 0; i < 10_000; i++) writes[`k${i}`] = `v${i}`;
  commit(source, writes);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const data = await source.exportSnapshot().finally(() => clearInterval(timer));
  t.ok(ticks > 0, `the event loop ran ${ticks} times during export`);
  const target = await openStore(t);
  await target.importSnapshot(data, 1);
  t.same(target.head!.stateRoot, source.head!.stateRoot);
  t.equal(target.stateEntries().size, 10_000);
});

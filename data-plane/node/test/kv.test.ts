// The KV state machine: command encoding, deterministic apply and snapshots, member addresses.
import { ConfChangeType } from '@konsortium/raft';
import t from 'tap';
import { decodeCommand, encodePut } from '../src/kv/command.js';
import { decodeMemberContext, encodeMemberContext } from '../src/kv/members.js';
import { encodeKvSnapshotInSlices } from '../src/kv/snapshot-format.js';
import { KvStateMachine } from '../src/kv/state-machine.js';
import { bootstrapSnapshot } from '../src/runtime/boot.js';

t.test('put commands round-trip, unknown bytes decode to null', async (t) => {
  for (const [k, v] of [['a', ''], ['ключ', 'значение'], ['k'.repeat(300), 'v'.repeat(5000)], ['键', '值 🙂']] as const) {
    t.same(decodeCommand(encodePut(k, v)), { op: 1, key: k, value: v, keyBytes: Buffer.byteLength(k), valueBytes: Buffer.byteLength(v) });
  }
  t.equal(decodeCommand(new Uint8Array(0)), null, 'no-op');
  t.equal(decodeCommand(Uint8Array.from([9, 0, 1, 65])), null, 'unknown op');
  t.equal(decodeCommand(Uint8Array.from([1, 0, 9, 65])), null, 'key length past the end');
});

t.test('apply records the entry index as the revision; no-ops and garbage change nothing', async (t) => {
  const kv = new KvStateMachine();
  t.same(kv.applyEntry(5, encodePut('a', '1')), { key: 'a', revision: 5 });
  t.equal(kv.applyEntry(6, new Uint8Array(0)), null);
  t.equal(kv.applyEntry(7, Uint8Array.from([42])), null);
  t.same(kv.applyEntry(8, encodePut('a', '2')), { key: 'a', revision: 8 });
  t.has(kv.get('a'), { value: '2', revision: 8 });
  t.equal(kv.appliedIndex, 8);
});

t.test('snapshots are deterministic and restore the same state', async (t) => {
  const members = [
    { id: 2, raftAddr: '127.0.0.1:2', httpAddr: '127.0.0.1:3' },
    { id: 1, raftAddr: '127.0.0.1:4', httpAddr: '127.0.0.1:5' },
  ];
  const log = [encodePut('x', '1'), encodePut('y', '2'), encodePut('ключ', 'значение'), encodePut('x', '3')];
  // Replica a applies the whole log; replica b restores a snapshot taken after two entries,
  // then applies the rest: at the same index both must produce the same bytes.
  const a = new KvStateMachine();
  a.setMembers(members);
  log.forEach((d, i) => a.applyEntry(i + 2, d));
  const early = new KvStateMachine();
  early.setMembers([...members].reverse());
  log.slice(0, 2).forEach((d, i) => early.applyEntry(i + 2, d));
  const b = new KvStateMachine();
  b.restore(3, early.snapshotData());
  log.slice(2).forEach((d, i) => b.applyEntry(i + 4, d));
  t.same(Buffer.from(a.snapshotData()), Buffer.from(b.snapshotData()), 'same bytes on both replicas');
  const c = new KvStateMachine();
  c.restore(5, a.snapshotData());
  t.has(c.get('x'), { value: '3', revision: 5, keyBytes: 1, valueBytes: 1 });
  t.has(c.get('ключ'), { value: 'значение', revision: 4, keyBytes: 8, valueBytes: 16 });
  t.same(c.memberList().map((m) => m.id), [1, 2]);
  t.equal(c.appliedIndex, 5);
  t.same(Buffer.from(c.snapshotData()), Buffer.from(a.snapshotData()), 'a restored state re-serializes identically');
  t.throws(() => c.restore(6, Buffer.from('garbage!')), 'refuses a foreign snapshot');
  const truncated = a.snapshotData().subarray(0, 30);
  t.throws(() => c.restore(6, truncated), 'refuses a truncated snapshot');
});

t.test('the sliced (background) encoder produces the same bytes', async (t) => {
  const kv = new KvStateMachine();
  kv.setMembers([{ id: 1, raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }]);
  for (let i = 0; i < 5000; i++) kv.applyEntry(i + 2, encodePut(`k${i % 4500}`, `v${i}-ü`));
  const view = kv.snapshotView();
  const sync = kv.snapshotData();
  kv.applyEntry(6000, encodePut('k1', 'changed after the view')); // the view must not see it
  t.same(Buffer.from(await encodeKvSnapshotInSlices(view)), Buffer.from(sync));
});

t.test('bootstrap snapshots are identical on every node', async (t) => {
  const peers = [1, 2, 3].map((id) => ({ id, raftAddr: `127.0.0.1:${7000 + id}`, httpAddr: `127.0.0.1:${8000 + id}` }));
  const s1 = bootstrapSnapshot(peers);
  const s2 = bootstrapSnapshot([...peers].reverse());
  t.same(s1.metadata, { index: 1, term: 1, confState: { voters: [1, 2, 3], learners: [] } });
  t.same(Buffer.from(s1.data), Buffer.from(s2.data));
});

t.test('conf changes record and forget member addresses', async (t) => {
  const kv = new KvStateMachine();
  const context = encodeMemberContext({ raftAddr: '10.0.0.4:7000', httpAddr: '10.0.0.4:8000' });
  kv.applyConfChange(3, { type: ConfChangeType.AddLearner, nodeId: 4, context }, { voters: [1], learners: [4] });
  t.same(kv.member(4), { raftAddr: '10.0.0.4:7000', httpAddr: '10.0.0.4:8000' });
  kv.applyConfChange(4, { type: ConfChangeType.RemoveNode, nodeId: 4, context: new Uint8Array(0) }, { voters: [1], learners: [] });
  t.equal(kv.member(4), undefined);
  t.equal(decodeMemberContext(Buffer.from('{"raftAddr":"nope"}')), null, 'malformed context ignored');
  t.equal(kv.appliedIndex, 4);
});

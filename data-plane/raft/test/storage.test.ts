// MemoryStorage: the core's read-only view of the durable log, written by the environment.
import t from 'tap';
import { AssertionError, EMPTY_BYTES, type Entry, limitSize, MemoryStorage, RaftError } from '../src/index.js';
import { data, ent } from './helpers.js';

const cs = { voters: [1, 2, 3], learners: [4] };
const idx = (es: readonly Entry[]) => es.map((e) => e.index);
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Storage with a snapshot at (3, 2) and entries 4@2 5@3 6@3. */
function filled(): MemoryStorage {
  const s = new MemoryStorage();
  s.applySnapshot({ metadata: { index: 3, term: 2, confState: cs }, data: data('sm') });
  s.append([ent(4, 2), ent(5, 3), ent(6, 3)]);
  return s;
}

t.test('an empty storage', async (t) => {
  const s = new MemoryStorage();
  t.equal(s.firstIndex(), 1);
  t.equal(s.lastIndex(), 0);
  t.equal(s.term(0), 0);
  t.same(s.entries(1, 1, NO_LIMIT), []);
  t.same(s.initialState(), { hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
  t.equal(s.snapshot().metadata.index, 0);
});

t.test('entries: COMPACTED at or below the snapshot, UNAVAILABLE beyond the end', async (t) => {
  const s = filled();
  t.equal(s.firstIndex(), 4);
  t.equal(s.lastIndex(), 6);
  t.same(idx(s.entries(4, 7, NO_LIMIT)), [4, 5, 6]);
  t.same(idx(s.entries(5, 6, NO_LIMIT)), [5]);
  t.throws(() => s.entries(3, 5, NO_LIMIT), { code: 'COMPACTED' });
  t.throws(() => s.entries(4, 8, NO_LIMIT), { code: 'UNAVAILABLE' });
  t.throws(() => s.entries(6, 5, NO_LIMIT), AssertionError);
});

t.test('entries honours maxBytes but returns at least one entry', async (t) => {
  const s = filled(); // each empty entry counts 24 bytes
  t.same(idx(s.entries(4, 7, 0)), [4]);
  t.same(idx(s.entries(4, 7, 48)), [4, 5]);
  t.same(idx(s.entries(4, 7, 71)), [4, 5]);
  t.same(idx(s.entries(4, 7, 72)), [4, 5, 6]);
  t.same(limitSize([], 0), []);
});

t.test('term: the snapshot index is known, below it is COMPACTED, beyond the end UNAVAILABLE', async (t) => {
  const s = filled();
  t.equal(s.term(3), 2);
  t.equal(s.term(5), 3);
  t.throws(() => s.term(2), { code: 'COMPACTED' });
  t.throws(() => s.term(7), { code: 'UNAVAILABLE' });
});

t.test('append: truncates a conflicting tail, ignores entries at or below the snapshot, refuses gaps', async (t) => {
  const s = filled();
  s.append([ent(5, 4), ent(6, 4), ent(7, 4)]);
  t.same(s.entries(4, 8, NO_LIMIT).map((e) => e.term), [2, 4, 4, 4]);
  s.append([ent(5, 5)]);
  t.equal(s.lastIndex(), 5, 'a shorter overwrite truncates');
  s.append([ent(2, 1), ent(3, 2)]);
  t.equal(s.lastIndex(), 5, 'entirely below the first index: ignored');
  s.append([ent(3, 2), ent(4, 2), ent(5, 5), ent(6, 5)]);
  t.same(idx(s.entries(4, 7, NO_LIMIT)), [4, 5, 6], 'the part below the first index is cut off');
  t.throws(() => s.append([ent(8, 5)]), AssertionError, 'gap');
  t.throws(() => s.append([ent(7, 5), ent(9, 5)]), AssertionError, 'not contiguous');
  s.append([]);
  t.equal(s.lastIndex(), 6);
});

t.test('compact discards entries up to an index, keeping its term as the new base', async (t) => {
  const s = filled();
  s.compact(5);
  t.equal(s.firstIndex(), 6);
  t.equal(s.term(5), 3);
  t.throws(() => s.term(4), { code: 'COMPACTED' });
  t.throws(() => s.compact(5), { code: 'COMPACTED' });
  t.throws(() => s.compact(9), AssertionError);
  t.equal(s.snapshot().metadata.index, 3, 'compaction does not make a snapshot');
});

t.test('createSnapshot records a snapshot at an index without discarding entries', async (t) => {
  const s = filled();
  const snap = s.createSnapshot(5, { voters: [1, 2], learners: [] }, data('state'));
  t.same(snap.metadata, { index: 5, term: 3, confState: { voters: [1, 2], learners: [] } });
  t.same(s.snapshot(), snap);
  t.equal(s.firstIndex(), 4, 'entries kept');
  t.same(s.initialState().confState, { voters: [1, 2], learners: [] });
  t.throws(() => s.createSnapshot(5, cs, EMPTY_BYTES), { code: 'SNAPSHOT_OUT_OF_DATE' });
  t.throws(() => s.createSnapshot(4, cs, EMPTY_BYTES), { code: 'SNAPSHOT_OUT_OF_DATE' });
  t.throws(() => s.createSnapshot(9, cs, EMPTY_BYTES), AssertionError);
});

t.test('applySnapshot replaces the contents; an older snapshot is refused', async (t) => {
  const s = filled();
  s.applySnapshot({ metadata: { index: 10, term: 5, confState: cs }, data: data('new') });
  t.equal(s.firstIndex(), 11);
  t.equal(s.lastIndex(), 10);
  t.equal(s.term(10), 5);
  t.throws(() => s.applySnapshot({ metadata: { index: 9, term: 5, confState: cs }, data: EMPTY_BYTES }), RaftError);
  t.throws(() => s.applySnapshot({ metadata: { index: 9, term: 5, confState: cs }, data: EMPTY_BYTES }), { code: 'SNAPSHOT_OUT_OF_DATE' });
  s.applySnapshot({ metadata: { index: 10, term: 5, confState: cs }, data: data('same index') });
  t.equal(new TextDecoder().decode(s.snapshot().data), 'same index');
});

t.test('hard state', async (t) => {
  const s = filled();
  s.setHardState({ term: 7, vote: 2, commit: 5 });
  t.same(s.initialState(), { hardState: { term: 7, vote: 2, commit: 5 }, confState: cs });
});

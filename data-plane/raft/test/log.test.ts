// RaftLog (stable entries through RaftStorage + the unstable tail) and Unstable.
import t from 'tap';
import { AssertionError, EMPTY_BYTES, type Entry, MemoryStorage, RaftError, type Snapshot } from '../src/index.js';
import { RaftLog } from '../src/log.js';
import { Unstable } from '../src/unstable.js';
import { ent, setupStorage } from './helpers.js';

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** A log whose storage holds a snapshot at (1, 1) and entries of `terms` from index 2 on. */
function log(terms: number[], maxApplyBytes = NO_LIMIT): RaftLog {
  return new RaftLog(setupStorage({ voters: [1], terms }), maxApplyBytes);
}

const snap = (index: number, term: number): Snapshot => ({ metadata: { index, term, confState: { voters: [1], learners: [] } }, data: EMPTY_BYTES });
const idx = (es: readonly Entry[]) => es.map((e) => e.index);
const terms = (l: RaftLog) => l.allEntries().map((e) => e.term);

t.test('a new log starts committed and applied at its snapshot', async (t) => {
  const l = log([1, 2]);
  t.equal(l.firstIndex(), 2);
  t.equal(l.lastIndex(), 3);
  t.equal(l.committed, 1);
  t.equal(l.applied, 1);
  const empty = new RaftLog(new MemoryStorage(), NO_LIMIT);
  t.equal(empty.firstIndex(), 1);
  t.equal(empty.lastIndex(), 0);
  t.equal(empty.lastTerm(), 0);
  t.equal(empty.committed, 0);
});

t.test('term(): the snapshot\'s entry, stable and unstable entries; COMPACTED below, UNAVAILABLE beyond', async (t) => {
  const l = log([1, 2]);
  l.append([ent(4, 3)]);
  t.equal(l.term(1), 1, 'the snapshot index');
  t.equal(l.term(3), 2);
  t.equal(l.term(4), 3, 'unstable');
  t.throws(() => l.term(0), { code: 'COMPACTED' });
  t.throws(() => l.term(5), { code: 'UNAVAILABLE' });
  t.equal(l.termOrZero(0), 0);
  t.equal(l.termOrZero(5), 0);
  t.ok(l.matchTerm(4, 3));
  t.notOk(l.matchTerm(4, 2));
  t.notOk(l.matchTerm(9, 3));
});

t.test('§5.4.1 isUpToDate compares last terms, then lengths', async (t) => {
  const l = log([1, 2, 2]); // ends at (4, 2)
  const cases: [number, number, boolean][] = [
    [4, 2, true],
    [5, 2, true],
    [3, 2, false],
    [1, 3, true],
    [99, 1, false],
  ];
  for (const [i, term, want] of cases) t.equal(l.isUpToDate(i, term), want, `(${i}, ${term})`);
});

t.test('findConflict: the first entry that is new or disagrees', async (t) => {
  const l = log([1, 2, 3]); // 2@1 3@2 4@3
  t.equal(l.findConflict([]), 0);
  t.equal(l.findConflict([ent(2, 1), ent(3, 2), ent(4, 3)]), 0, 'all match');
  t.equal(l.findConflict([ent(3, 2), ent(4, 3), ent(5, 4)]), 5, 'new entry');
  t.equal(l.findConflict([ent(3, 2), ent(4, 4), ent(5, 4)]), 4, 'conflict');
});

t.test('maybeAppend: the consistency check, truncation of conflicts, and commit = min(leader commit, last new)', async (t) => {
  const cases: { name: string; index: number; logTerm: number; commit: number; ents: Entry[]; want: number | null; wantCommit: number; wantTerms: number[] }[] = [
    { name: 'prev mismatch', index: 3, logTerm: 3, commit: 4, ents: [ent(4, 3)], want: null, wantCommit: 1, wantTerms: [1, 2, 3] },
    { name: 'prev beyond log', index: 5, logTerm: 3, commit: 4, ents: [], want: null, wantCommit: 1, wantTerms: [1, 2, 3] },
    { name: 'heartbeat-like, commit bounded by prev', index: 3, logTerm: 2, commit: 9, ents: [], want: 3, wantCommit: 3, wantTerms: [1, 2, 3] },
    { name: 'new entries', index: 4, logTerm: 3, commit: 9, ents: [ent(5, 3), ent(6, 4)], want: 6, wantCommit: 6, wantTerms: [1, 2, 3, 3, 4] },
    { name: 'duplicate prefix keeps the tail', index: 2, logTerm: 1, commit: 2, ents: [ent(3, 2)], want: 3, wantCommit: 2, wantTerms: [1, 2, 3] },
    { name: 'conflict truncates', index: 2, logTerm: 1, commit: 3, ents: [ent(3, 4)], want: 3, wantCommit: 3, wantTerms: [1, 4] },
  ];
  for (const c of cases) {
    const l = log([1, 2, 3]);
    t.equal(l.maybeAppend(c.index, c.logTerm, c.commit, c.ents), c.want, c.name);
    t.equal(l.committed, c.wantCommit, `${c.name}: commit`);
    t.same(terms(l), c.wantTerms, `${c.name}: log`);
  }
});

t.test('maybeAppend refuses to overwrite a committed entry (a safety violation, not a condition)', async (t) => {
  const l = log([1, 2, 3]);
  l.commitTo(3);
  t.throws(() => l.maybeAppend(2, 1, 4, [ent(3, 9)]), AssertionError);
});

t.test('append: contiguous, non-decreasing terms, never below commit', async (t) => {
  const l = log([1, 2]);
  l.commitTo(2);
  t.throws(() => l.append([ent(5, 2)]), AssertionError, 'gap');
  t.throws(() => l.append([ent(4, 1)]), AssertionError, 'term goes down');
  t.throws(() => l.append([ent(4, 2), ent(6, 2)]), AssertionError, 'not contiguous');
  t.throws(() => l.append([ent(2, 5)]), AssertionError, 'below commit');
  t.equal(l.append([ent(3, 3), ent(4, 3)]), 4, 'replaces 3 (uncommitted)');
  t.same(terms(l), [1, 3, 3]);
  t.equal(l.append([]), 4);
});

t.test('findConflictByTerm: the largest index <= i whose term is <= the given term', async (t) => {
  // index: 1(snap) 2 3 4 5 6 7
  // term:  1       1 3 3 3 5 5
  const l = log([1, 3, 3, 3, 5, 5]);
  const cases: [number, number, number, number][] = [
    // [index, term] -> [index, term]
    [7, 5, 7, 5],
    [7, 4, 5, 3],
    [7, 3, 5, 3],
    [7, 2, 2, 1],
    [7, 1, 2, 1],
    [7, 0, 1, 1], // down to the snapshot: nothing lower to look at
    [4, 3, 4, 3],
    [9, 3, 9, 0], // beyond the log: unknown term, may match
    [0, 3, 0, 0],
  ];
  for (const [i, term, wi, wt] of cases) t.same(l.findConflictByTerm(i, term), { index: wi, term: wt }, `(${i}, ${term})`);
});

t.test('commitTo never goes backwards nor beyond the log; appliedTo stays within [applied, committed]', async (t) => {
  const l = log([1, 1, 1]);
  l.commitTo(3);
  l.commitTo(2);
  t.equal(l.committed, 3);
  t.throws(() => l.commitTo(5), AssertionError);
  l.appliedTo(2);
  t.throws(() => l.appliedTo(4), AssertionError);
  t.throws(() => l.appliedTo(1), AssertionError);
  l.appliedTo(0); // ignored
  t.equal(l.applied, 2);
});

t.test('maybeCommit commits only an index of the given term (§5.4.2)', async (t) => {
  const l = log([1, 2, 3]);
  t.notOk(l.maybeCommit(3, 3), 'index 3 is of term 2');
  t.equal(l.committed, 1);
  t.ok(l.maybeCommit(4, 3));
  t.equal(l.committed, 4);
  t.notOk(l.maybeCommit(4, 3), 'no change');
});

t.test('nextCommittedEntries: committed, not applied, bounded by maxApplyBytes but at least one', async (t) => {
  const l = log([1, 1, 1, 1], 60); // each entry counts 24 + 3 bytes of data
  t.same(l.nextCommittedEntries(), []);
  t.notOk(l.hasNextCommittedEntries());
  l.commitTo(5);
  t.ok(l.hasNextCommittedEntries());
  t.same(idx(l.nextCommittedEntries()), [2, 3]);
  l.appliedTo(3);
  t.same(idx(l.nextCommittedEntries()), [4, 5]);
  l.appliedTo(5);
  t.notOk(l.hasNextCommittedEntries());
  const tiny = log([1, 1], 1);
  tiny.commitTo(3);
  t.same(idx(tiny.nextCommittedEntries()), [2], 'one entry even above the limit');
});

t.test('slice spans stable and unstable entries and respects maxBytes', async (t) => {
  const l = log([1, 1, 1]); // stable 2..4
  l.append([ent(5, 2, 'x'), ent(6, 2, 'y')]); // unstable 5..6
  t.same(idx(l.slice(3, 7, NO_LIMIT)), [3, 4, 5, 6]);
  t.same(idx(l.slice(5, 6, NO_LIMIT)), [5]);
  t.same(idx(l.slice(3, 3, NO_LIMIT)), []);
  t.same(idx(l.slice(2, 7, 60)), [2, 3], 'limited within storage: unstable entries are not stitched on');
  t.same(idx(l.slice(4, 7, 55)), [4, 5], 'limited across the boundary');
  t.throws(() => l.slice(1, 3, NO_LIMIT), { code: 'COMPACTED' });
  t.throws(() => l.slice(3, 9, NO_LIMIT), AssertionError);
  t.same(l.entries(7, NO_LIMIT), []);
  // A truncation reaching into stable storage: the unstable tail shadows it.
  l.append([ent(4, 3, 'z')]);
  t.same(terms(l), [1, 1, 3]);
  t.equal(l.lastIndex(), 4);
  t.equal(l.term(4), 3);
});

t.test('restore installs a snapshot as the new (unstable) base of the log', async (t) => {
  const l = log([1, 1, 1]);
  l.restore(snap(10, 4));
  t.equal(l.committed, 10);
  t.equal(l.firstIndex(), 11);
  t.equal(l.lastIndex(), 10);
  t.equal(l.lastTerm(), 4);
  t.equal(l.term(10), 4);
  t.same(l.snapshot(), snap(10, 4));
  t.throws(() => l.term(5), { code: 'COMPACTED' });
  l.append([ent(11, 4)]);
  t.same(idx(l.allEntries()), [11]);
  l.stableSnapTo(10);
  t.equal(l.unstable.snapshot, null);
});

t.test('Unstable: truncateAndAppend, stableTo with a term check, slice bounds', async (t) => {
  const u = new Unstable(5);
  t.equal(u.lastIndex(), null);
  u.truncateAndAppend([ent(5, 1), ent(6, 1), ent(7, 1)]);
  t.equal(u.lastIndex(), 7);
  u.truncateAndAppend([ent(8, 2)]);
  t.same(idx(u.entries), [5, 6, 7, 8], 'append at the end');
  u.truncateAndAppend([ent(7, 3)]);
  t.same(u.entries.map((e) => `${e.index}@${e.term}`), ['5@1', '6@1', '7@3'], 'truncate inside');
  u.truncateAndAppend([ent(4, 3)]);
  t.equal(u.offset, 4, 'replace everything (reaching into stable storage)');
  t.same(idx(u.entries), [4]);
  u.truncateAndAppend([ent(5, 3), ent(6, 3)]);
  u.stableTo(5, 1);
  t.equal(u.offset, 4, 'a report for an overwritten entry is ignored');
  u.stableTo(9, 3);
  t.equal(u.offset, 4, 'beyond the tail: ignored');
  u.stableTo(5, 3);
  t.equal(u.offset, 6);
  t.same(idx(u.entries), [6]);
  t.throws(() => u.slice(5, 7), AssertionError);
  t.same(idx(u.slice(6, 7)), [6]);
  u.restore(snap(20, 5));
  t.equal(u.firstIndex(), 21);
  t.equal(u.lastIndex(), 20);
  t.equal(u.term(20), 5);
  t.equal(u.term(19), null);
  u.stableSnapTo(19);
  t.not(u.snapshot, null, 'only the pending snapshot\'s index clears it');
  u.stableSnapTo(20);
  t.equal(u.snapshot, null);
});

t.test('a log whose storage was compacted reads the rest transparently', async (t) => {
  const storage = setupStorage({ voters: [1], terms: [1, 2, 2, 3] });
  storage.createSnapshot(3, { voters: [1], learners: [] }, EMPTY_BYTES);
  storage.compact(3);
  const l = new RaftLog(storage, NO_LIMIT);
  t.equal(l.firstIndex(), 4);
  t.equal(l.term(3), 2);
  t.same(terms(l), [2, 3]);
  t.throws(() => l.entries(3, NO_LIMIT), RaftError);
});

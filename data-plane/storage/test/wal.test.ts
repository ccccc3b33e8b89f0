import t from 'tap';
import { EMPTY_HARD_STATE, type SnapshotMetadata } from '@konsortium/raft';
import { StorageError, Wal } from '../src/index.js';
import { entry, ents, hs, show, tmpDir, walFiles } from './helpers.js';

const conf = { voters: [1, 2, 3], learners: [] };

async function reopen(dir: string, fromSnapshot: { index: number; term: number } | null = null, segmentBytes?: number) {
  const r = await Wal.open({ dir, fromSnapshot, ...(segmentBytes === undefined ? {} : { segmentBytes }) });
  return r;
}

t.test('a new WAL replays empty', async (t) => {
  const dir = await tmpDir(t);
  const { wal, replay } = await Wal.open({ dir: `${dir}/nested/wal` });
  t.same(replay, { hardState: EMPTY_HARD_STATE, entries: [], snapshot: null, truncatedBytes: 0, truncatedReason: null });
  t.equal(wal.stats().segments, 1);
  await wal.close();
  const again = await Wal.open({ dir: `${dir}/nested/wal` });
  t.same(again.replay.entries, []);
  t.same(again.replay.hardState, EMPTY_HARD_STATE);
  await again.wal.close();
});

t.test('round trip: hard states, entries and snapshot markers across many segments', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 200 });
  const marker: SnapshotMetadata = { index: 10, term: 1, confState: conf };
  for (let i = 1; i <= 30; i++) {
    const term = i <= 12 ? 1 : 2;
    await wal.save({ hardState: hs(term, 1, i - 1), entries: [entry(i, term)], snapshot: i === 15 ? marker : null });
  }
  const stats = wal.stats();
  t.ok(stats.segments > 5, `rolled into ${stats.segments} segments`);
  t.equal(stats.batches, 30);
  t.equal((await walFiles(dir)).length, stats.segments);
  await wal.close();

  const all = await reopen(dir);
  t.same(show(all.replay.entries), show([...ents(1, 12, 1), ...ents(13, 30, 2)]));
  t.same(all.replay.hardState, hs(2, 1, 29));
  t.equal(all.replay.snapshot, null, 'no marker at or before index 0');
  t.equal(all.replay.truncatedBytes, 0);
  await all.wal.close();

  // A local snapshot marker (its entry is in the log with its term) keeps the log intact.
  const fromSnap = await reopen(dir, { index: 10, term: 1 });
  t.same(show(fromSnap.replay.entries), show([...ents(11, 12, 1), ...ents(13, 30, 2)]));
  t.same(fromSnap.replay.snapshot, marker);
  // Appending continues the log and survives another reopen.
  await fromSnap.wal.save({ hardState: hs(2, 1, 30), entries: [entry(31, 2)] });
  await fromSnap.wal.close();
  const after = await reopen(dir, { index: 20, term: 2 });
  t.same(show(after.replay.entries), show(ents(21, 31, 2)));
  t.same(after.replay.hardState, hs(2, 1, 30));
  t.same(after.replay.snapshot, marker);
  await after.wal.close();
});

t.test('overwrite of an uncommitted suffix, within and across segments', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 150 });
  await wal.save({ hardState: hs(1, 1, 2), entries: ents(1, 5, 1) });
  await wal.save({ hardState: null, entries: ents(6, 10, 1) });
  t.equal(wal.lastIndex(), 10);
  // A new leader (term 2) rewrites from 6: the old 6..10 must disappear.
  await wal.save({ hardState: hs(2, 2, 5), entries: ents(6, 7, 2) });
  t.equal(wal.lastIndex(), 7);
  // And another (term 3) from 3, spanning segment boundaries.
  await wal.save({ hardState: hs(3, 3, 2), entries: ents(3, 4, 3) });
  await wal.save({ hardState: null, entries: ents(5, 6, 3, (i) => `again${i}`) });
  await wal.close();
  const { wal: w2, replay } = await reopen(dir);
  t.same(show(replay.entries), show([...ents(1, 2, 1), ...ents(3, 4, 3), ...ents(5, 6, 3, (i) => `again${i}`)]));
  t.same(replay.hardState, hs(3, 3, 2));
  await w2.close();
});

t.test('gaps, non-contiguous batches and decreasing terms are refused before anything is written', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await wal.save({ hardState: null, entries: ents(1, 3, 2) });
  const before = wal.stats().records;
  await t.rejects(wal.save({ hardState: null, entries: [entry(5, 2)] }), { code: 'WAL_GAP' });
  await t.rejects(wal.save({ hardState: null, entries: [entry(4, 2), entry(6, 2)] }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(wal.save({ hardState: null, entries: [entry(4, 1)] }), { code: 'INVALID_ARGUMENT' }, 'term below predecessor');
  await t.rejects(wal.save({ hardState: null, entries: [entry(0, 2)] }), { code: 'INVALID_ARGUMENT' }, 'index 0 is the base');
  await t.rejects(wal.save({ hardState: { term: -1, vote: 0, commit: 0 }, entries: [] }), { code: 'INVALID_ARGUMENT' });
  t.equal(wal.stats().records, before, 'nothing written');
  // The WAL is still usable and consistent.
  await wal.save({ hardState: hs(2, 1, 3), entries: [entry(4, 2)] });
  await wal.close();
  const { wal: w2, replay } = await reopen(dir);
  t.same(show(replay.entries), show(ents(1, 4, 2)));
  await w2.close();
});

t.test('records larger than maxRecordBytes are refused', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, maxRecordBytes: 100 });
  await t.rejects(wal.save({ hardState: null, entries: [entry(1, 1, 'x'.repeat(200))] }), { code: 'RECORD_TOO_LARGE' });
  t.equal(wal.lastIndex(), 0, 'a refused batch does not advance the log');
  await wal.save({ hardState: null, entries: [entry(1, 1, 'small')] });
  await wal.close();
  const { wal: w2, replay } = await Wal.open({ dir, maxRecordBytes: 100 });
  t.same(show(replay.entries), show([entry(1, 1, 'small')]));
  await w2.close();
});

t.test('save copies entry data: the caller may reuse its buffers at once', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  const e = entry(1, 1, 'original');
  const p = wal.save({ hardState: null, entries: [e] });
  (e.data as Uint8Array).fill(0x21);
  await p;
  await wal.close();
  const { wal: w2, replay } = await reopen(dir);
  t.same(show(replay.entries), show([entry(1, 1, 'original')]));
  await w2.close();
});

t.test('releaseTo deletes only segments wholly below the index', async (t) => {
  const dir = await tmpDir(t);
  // segmentBytes 1: every save after the first starts a segment, so segment k holds entry k.
  const { wal } = await Wal.open({ dir, segmentBytes: 1 });
  await wal.save({ hardState: hs(1, 1, 1), entries: [entry(1, 1)] });
  for (let i = 2; i <= 10; i++) await wal.save({ hardState: null, entries: [entry(i, 1)] });
  const files = await walFiles(dir);
  t.equal(files.length, 10);
  t.same(files.map((f) => Number.parseInt(f.split('-')[1]!, 16)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  await wal.releaseTo(5);
  t.same(await walFiles(dir), files.slice(4), 'segments 1..4 gone, the one holding 5 kept');
  t.equal(wal.stats().segments, 6);
  await wal.releaseTo(3);
  t.equal((await walFiles(dir)).length, 6, 'releasing to an older index is a no-op');
  await wal.close();

  const r5 = await reopen(dir, { index: 5, term: 1 });
  t.same(show(r5.replay.entries), show(ents(6, 10, 1)));
  t.same(r5.replay.hardState, hs(1, 1, 1), 'the hard state survives in the copies every segment starts with');
  await r5.wal.close();
  const r4 = await reopen(dir, { index: 4, term: 1 });
  t.same(show(r4.replay.entries), show(ents(5, 10, 1)), 'the segment holding 5 also allows a replay from 4');
  await r4.wal.close();
  await t.rejects(reopen(dir, { index: 3, term: 1 }), { code: 'WAL_GAP' }, 'entries 4 is gone');
  await t.rejects(reopen(dir, null), { code: 'WAL_GAP' });

  const { wal: w2 } = await reopen(dir, { index: 5, term: 1 }, 1);
  await w2.releaseTo(1000);
  t.same(await walFiles(dir), [files[9]], 'the active segment always stays');
  await w2.close();
  const r10 = await reopen(dir, { index: 10, term: 1 });
  t.same(r10.replay.entries, []);
  t.same(r10.replay.hardState, hs(1, 1, 1));
  await r10.wal.save({ hardState: hs(2, 2, 10), entries: [entry(11, 2)] });
  await r10.wal.close();
  const r = await reopen(dir, { index: 10, term: 1 });
  t.same(show(r.replay.entries), show([entry(11, 2)]));
  await r.wal.close();
});

t.test('releaseTo respects overwrites: a segment is only as live as where the next one begins', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 1 });
  await wal.save({ hardState: null, entries: ents(1, 10, 1) }); // segment 1
  await wal.save({ hardState: null, entries: ents(6, 7, 2) }); // segment 2 (first index 11), cuts the log to 7
  await wal.save({ hardState: null, entries: [entry(8, 2)] }); // segment 3 (first index 8)
  t.same((await walFiles(dir)).map((f) => Number.parseInt(f.split('-')[1]!, 16)), [1, 11, 8]);
  await wal.releaseTo(7);
  t.equal((await walFiles(dir)).length, 3, 'segment 2 begins at 11 > 7: segment 1 may hold live entries up to 10');
  await wal.releaseTo(8);
  t.same((await walFiles(dir)).map((f) => Number.parseInt(f.split('-')[1]!, 16)), [8], 'segment 3 begins at 8 <= 8');
  await wal.close();
  const r = await reopen(dir, { index: 7, term: 2 });
  t.same(show(r.replay.entries), show([entry(8, 2)]));
  await r.wal.close();
});

t.test('after releaseTo the oldest segment may hold overwrites below its own start', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 1 });
  await wal.save({ hardState: hs(1, 1, 5), entries: ents(1, 10, 1) }); // segment 1
  await wal.save({ hardState: hs(2, 2, 5), entries: ents(6, 20, 2) }); // segment 2 (first index 11) rewrites from 6
  await wal.save({ hardState: hs(2, 2, 15), entries: [entry(21, 2)] }); // segment 3 (first index 21)
  await wal.releaseTo(15);
  t.same((await walFiles(dir)).map((f) => Number.parseInt(f.split('-')[1]!, 16)), [11, 21]);
  await wal.close();
  const r = await reopen(dir, { index: 15, term: 2 });
  t.same(show(r.replay.entries), show(ents(16, 21, 2)));
  t.same(r.replay.hardState, hs(2, 2, 15));
  await r.wal.close();
  const r5 = await reopen(dir, { index: 5, term: 1 });
  t.same(show(r5.replay.entries), show(ents(6, 21, 2)), 'segment 2 still holds 6..10 of term 2');
  await r5.wal.close();
});

t.test('a snapshot installed from the leader replaces the log', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 256 });
  await wal.save({ hardState: hs(1, 1, 3), entries: ents(1, 5, 1) });
  const snap: SnapshotMetadata = { index: 100, term: 3, confState: conf };
  await wal.save({ hardState: hs(3, 0, 100), entries: ents(101, 102, 3), snapshot: snap });
  t.equal(wal.lastIndex(), 102);
  await wal.close();

  const r = await reopen(dir, { index: 100, term: 3 });
  t.same(show(r.replay.entries), show(ents(101, 102, 3)));
  t.same(r.replay.snapshot, snap);
  t.same(r.replay.hardState, hs(3, 0, 100));
  await r.wal.close();
  const err = await reopen(dir, null).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof StorageError && err.code === 'WAL_GAP' && /newer snapshot/.test(err.message), String(err));
  await t.rejects(reopen(dir, { index: 5, term: 1 }), { code: 'WAL_GAP' });
});

t.test('a snapshot that conflicts with the log at its index discards the whole log', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await wal.save({ hardState: hs(1, 1, 5), entries: ents(1, 10, 1) });
  const snap: SnapshotMetadata = { index: 8, term: 2, confState: conf };
  await wal.save({ hardState: hs(2, 0, 8), entries: [], snapshot: snap });
  t.equal(wal.lastIndex(), 8, 'old 9 and 10 are gone');
  await wal.close();
  const r = await reopen(dir, { index: 8, term: 2 });
  t.same(r.replay.entries, [], 'entries 9, 10 of term 1 conflict with the snapshot and are not replayed');
  t.same(r.replay.snapshot, snap);
  await r.wal.save({ hardState: null, entries: [entry(9, 2)] });
  await r.wal.close();
  const r2 = await reopen(dir, { index: 8, term: 2 });
  t.same(show(r2.replay.entries), show([entry(9, 2)]));
  await r2.wal.close();
});

t.test('fromSnapshot newer than the WAL (crash between saving the snapshot file and its marker)', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await wal.save({ hardState: hs(1, 1, 5), entries: ents(1, 5, 1) });
  await wal.close();
  const r = await reopen(dir, { index: 50, term: 2 });
  t.same(r.replay.entries, []);
  t.equal(r.replay.snapshot, null);
  t.equal(r.wal.lastIndex(), 50);
  await r.wal.save({ hardState: hs(2, 1, 51), entries: ents(51, 52, 2) });
  await r.wal.close();
  // The open recorded the reset, so the appended entries replay without a gap.
  const r2 = await reopen(dir, { index: 50, term: 2 });
  t.same(show(r2.replay.entries), show(ents(51, 52, 2)));
  t.same(r2.replay.hardState, hs(2, 1, 51));
  await r2.wal.close();
});

t.test('fromSnapshot whose term conflicts with the log at its index discards the log after it', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await wal.save({ hardState: hs(1, 1, 5), entries: ents(1, 10, 1) });
  await wal.close();
  const r = await reopen(dir, { index: 8, term: 2 });
  t.same(r.replay.entries, []);
  await r.wal.save({ hardState: null, entries: [entry(9, 2)] });
  await r.wal.close();
  const r2 = await reopen(dir, { index: 8, term: 2 });
  t.same(show(r2.replay.entries), show([entry(9, 2)]));
  await r2.wal.close();
  // The open above recorded that snapshot 8 replaced the log: an older snapshot cannot continue it.
  await t.rejects(reopen(dir, { index: 5, term: 1 }), { code: 'WAL_GAP' });
});

t.test('a new WAL opened from a snapshot continues after it', async (t) => {
  const dir = await tmpDir(t);
  const { wal, replay } = await Wal.open({ dir, fromSnapshot: { index: 100, term: 5 } });
  t.same(replay.entries, []);
  t.equal(wal.lastIndex(), 100);
  await t.rejects(wal.save({ hardState: null, entries: [entry(100, 5)] }), { code: 'INVALID_ARGUMENT' }, 'at the base');
  await wal.save({ hardState: hs(5, 1, 100), entries: [entry(101, 5)] });
  await wal.close();
  const r = await reopen(dir, { index: 100, term: 5 });
  t.same(show(r.replay.entries), show([entry(101, 5)]));
  await r.wal.close();
  await t.rejects(reopen(dir, null), { code: 'WAL_GAP' });
});

t.test('close waits for queued saves; later calls are refused; one Wal per directory', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await t.rejects(Wal.open({ dir }), { code: 'WAL_LOCKED' });
  const saves = [1, 2, 3].map((i) => wal.save({ hardState: null, entries: [entry(i, 1)] }));
  const closed = wal.close();
  await t.rejects(wal.save({ hardState: null, entries: [entry(4, 1)] }), { code: 'WAL_CLOSED' });
  await t.rejects(wal.releaseTo(1), { code: 'WAL_CLOSED' });
  await Promise.all(saves);
  await closed;
  await wal.close(); // idempotent
  const r = await reopen(dir);
  t.same(show(r.replay.entries), show(ents(1, 3, 1)));
  await r.wal.close();
});

t.test('sync: false writes without fsync; the next synced save makes it durable', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  const base = wal.stats().fsyncs;
  await wal.save({ hardState: null, entries: [entry(1, 1)] }, { sync: false });
  t.equal(wal.stats().fsyncs, base);
  await wal.save({ hardState: hs(1, 1, 1), entries: [] });
  t.equal(wal.stats().fsyncs, base + 1);
  await wal.save({ hardState: null, entries: [] });
  t.equal(wal.stats().fsyncs, base + 1, 'nothing dirty: no fsync');
  await wal.close();
});

t.test('fsync: false never fsyncs', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, fsync: false, segmentBytes: 1 });
  for (let i = 1; i <= 5; i++) await wal.save({ hardState: hs(1, 1, i), entries: [entry(i, 1)] });
  t.equal(wal.stats().fsyncs, 0);
  t.equal(wal.stats().dirSyncs, 0);
  await wal.close();
});

t.test('bad options are refused', async (t) => {
  const dir = await tmpDir(t);
  await t.rejects(Wal.open({ dir, segmentBytes: 0 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(Wal.open({ dir, maxRecordBytes: 2 ** 32 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(Wal.open({ dir, fromSnapshot: { index: -1, term: 0 } }), { code: 'INVALID_ARGUMENT' });
  const { wal } = await Wal.open({ dir });
  await t.rejects(wal.releaseTo(-1), { code: 'INVALID_ARGUMENT' });
  await wal.close();
});

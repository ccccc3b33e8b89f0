// Crash recovery and corruption: torn tails at every byte, bit flips, damaged earlier segments.
import { readFile, rename, stat, truncate, unlink, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import t, { type Test } from 'tap';
import { encodeEntry, type HardState } from '@konsortium/raft';
import { Wal } from '../src/index.js';
import { frameRecords, RecordType, scanRecords } from '../src/record.js';
import { copyDir, entry, ents, hs, show, tmpDir, walFiles } from './helpers.js';

const MAX = 64 * 1024 * 1024;

interface Master {
  dir: string;
  /** Path of the last segment file, relative to dir. */
  lastName: string;
  /** Offsets of the records of the final save in the last segment, and its end. */
  batch: { offset: number; end: number; type: RecordType }[];
  before: { entries: ReturnType<typeof show>; hardState: HardState };
}

/**
 * A WAL of several segments whose final save (`last`) is the tail of the last segment; what a
 * replay returns without that save is `before`.
 */
async function buildMaster(t: Test, last: () => Parameters<Wal['save']>[0]): Promise<Master> {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir, segmentBytes: 300 });
  for (let i = 1; i <= 12; i++) await wal.save({ hardState: hs(1, 1, i - 1), entries: [entry(i, 1)] });
  t.ok(wal.stats().segments >= 3, 'several segments');
  await wal.close();
  // Reopened with room to spare, so the final save lands in the same (last) segment.
  const { wal: w2 } = await Wal.open({ dir, segmentBytes: 1 << 20 });
  const lastName = (await walFiles(dir)).at(-1)!;
  const sizeBefore = (await stat(path.join(dir, lastName))).size;
  await w2.save(last());
  t.equal((await walFiles(dir)).at(-1), lastName, 'the final save stays in the same segment');
  await w2.close();
  const scan = scanRecords(await readFile(path.join(dir, lastName)), 0, MAX);
  t.equal(scan.problem, null);
  const batch = scan.records
    .filter((r) => r.offset >= sizeBefore)
    .map((r) => ({ offset: r.offset, end: r.offset + 9 + r.payload.byteLength, type: r.type }));
  return { dir, lastName, batch, before: { entries: show(ents(1, 12, 1)), hardState: hs(1, 1, 11) } };
}

/** Opens a copy of `src` after `damage`; returns what open returned or threw. */
async function openDamaged(src: string, work: string, damage: (dir: string) => Promise<void>) {
  await copyDir(src, work);
  await damage(work);
  return Wal.open({ dir: work, segmentBytes: 1 << 20 });
}

async function flipBit(file: string, offset: number, bit: number): Promise<void> {
  const buf = await readFile(file);
  buf[offset]! ^= 1 << bit;
  await writeFile(file, buf);
}

t.test('torn tail: a cut at every byte inside the last record', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1, 'the-last-record-data')] }));
  t.equal(m.batch.length, 1);
  const { offset: start, end } = m.batch[0]!;
  const work = path.join(await tmpDir(t), 'wal');
  for (let cut = start; cut < end; cut++) {
    const { wal, replay } = await openDamaged(m.dir, work, (d) => truncate(path.join(d, m.lastName), cut));
    t.same(show(replay.entries), m.before.entries, `cut at ${cut}: the records before`);
    t.same(replay.hardState, m.before.hardState);
    t.equal(replay.truncatedBytes, cut - start, `cut at ${cut}: truncation reported`);
    t.equal(replay.truncatedReason === null, cut === start, 'a cut at a record boundary is no damage');
    t.equal((await stat(path.join(work, m.lastName))).size, start, 'file cut back to the last good record');
    // Appending continues at the cut and survives another reopen.
    await wal.save({ hardState: hs(2, 1, 12), entries: [entry(13, 2, 'after')] });
    await wal.close();
    const again = await Wal.open({ dir: work, segmentBytes: 1 << 20 });
    t.same(show(again.replay.entries), [...m.before.entries, ...show([entry(13, 2, 'after')])]);
    t.same(again.replay.hardState, hs(2, 1, 12));
    t.equal(again.replay.truncatedBytes, 0);
    await again.wal.close();
  }
});

t.test('torn tail: a cut anywhere in a multi-record batch keeps exactly the complete records', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: hs(1, 1, 14), entries: ents(13, 15, 1) }));
  t.same(
    m.batch.map((r) => r.type),
    [RecordType.Entry, RecordType.Entry, RecordType.Entry, RecordType.HardState],
    'entries first, hard state last',
  );
  const start = m.batch[0]!.offset;
  const end = m.batch.at(-1)!.end;
  const work = path.join(await tmpDir(t), 'wal');
  for (let cut = start; cut < end; cut++) {
    const complete = m.batch.filter((r) => r.end <= cut).length;
    const lastGood = complete === 0 ? start : m.batch[complete - 1]!.end;
    const { wal, replay } = await openDamaged(m.dir, work, (d) => truncate(path.join(d, m.lastName), cut));
    t.same(show(replay.entries), [...m.before.entries, ...show(ents(13, 12 + complete, 1))], `cut at ${cut}`);
    t.same(replay.hardState, m.before.hardState, 'the hard state of a torn batch is never replayed');
    t.equal(replay.truncatedBytes, cut - lastGood);
    await wal.close();
  }
});

t.test('bit flip anywhere in the last record: truncated and reported', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1, 'flip-me')] }));
  const { offset: start, end } = m.batch[0]!;
  const work = path.join(await tmpDir(t), 'wal');
  for (let at = start; at < end; at++) {
    for (const bit of [0, 7]) {
      const { wal, replay } = await openDamaged(m.dir, work, (d) => flipBit(path.join(d, m.lastName), at, bit));
      t.same(show(replay.entries), m.before.entries, `flip at ${at} bit ${bit}`);
      t.equal(replay.truncatedBytes, end - start);
      t.match(replay.truncatedReason, /checksum mismatch|exceeds maxRecordBytes|bytes left/);
      t.match(replay.truncatedReason, m.lastName);
      await wal.close();
    }
  }
});

t.test('nothing after a bad record is replayed, even if it verifies', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: hs(1, 1, 14), entries: ents(13, 15, 1) }));
  const work = path.join(await tmpDir(t), 'wal');
  const second = m.batch[1]!; // entry 14
  const { wal, replay } = await openDamaged(m.dir, work, (d) => flipBit(path.join(d, m.lastName), second.offset + 20, 3));
  t.same(show(replay.entries), [...m.before.entries, ...show([entry(13, 1)])]);
  t.same(replay.hardState, m.before.hardState);
  t.equal(replay.truncatedBytes, m.batch.at(-1)!.end - second.offset);
  await wal.close();
});

t.test('a zero-filled tail (file extended, data never written) is truncated', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1)] }));
  const work = path.join(await tmpDir(t), 'wal');
  const { wal, replay } = await openDamaged(m.dir, work, (d) => appendFile(path.join(d, m.lastName), Buffer.alloc(4096)));
  t.same(show(replay.entries), [...m.before.entries, ...show([entry(13, 1)])]);
  t.equal(replay.truncatedBytes, 4096);
  await wal.close();
});

t.test('damage in a segment that is not the last: WAL_CORRUPT, disk untouched', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1)] }));
  const files = await walFiles(m.dir);
  const victim = files[1]!;
  const work = path.join(await tmpDir(t), 'wal');
  const scan = scanRecords(await readFile(path.join(m.dir, victim)), 0, MAX);
  const target = scan.records[scan.records.length - 1]!;

  const snapshotOf = async (d: string) => Promise.all((await walFiles(d)).map((f) => readFile(path.join(d, f))));

  // A flipped bit in the last record of an earlier segment.
  await copyDir(m.dir, work);
  await flipBit(path.join(work, victim), target.offset + 12, 1);
  const damaged = await snapshotOf(work);
  const err = await Wal.open({ dir: work }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(err, { code: 'WAL_CORRUPT' });
  t.match(String(err), victim, 'names the file');
  t.match(String(err), `offset ${target.offset}`, 'and the offset');
  t.same(await snapshotOf(work), damaged, 'open did not modify the disk');
  const again = await Wal.open({ dir: work }).catch((e: unknown) => e);
  t.match(again, { code: 'WAL_CORRUPT' }, 'and the Wal did not stay locked');

  // An earlier segment that lost its tail.
  await t.rejects(
    openDamaged(m.dir, work, async (d) => truncate(path.join(d, victim), (await stat(path.join(d, victim))).size - 1)),
    { code: 'WAL_CORRUPT' },
  );
  // A missing segment in the middle.
  await t.rejects(
    openDamaged(m.dir, work, (d) => unlink(path.join(d, victim))),
    { code: 'WAL_CORRUPT', message: /segment missing/ },
  );
  // A segment header damaged (headers are written atomically, so this is never a torn write).
  await t.rejects(
    openDamaged(m.dir, work, (d) => flipBit(path.join(d, files.at(-1)!), 12, 0)),
    { code: 'WAL_CORRUPT', message: /segment header/ },
  );
  // A segment whose name disagrees with its header.
  await t.rejects(
    openDamaged(m.dir, work, (d) => rename(path.join(d, files.at(-1)!), path.join(d, files.at(-1)!.replace(/-[0-9a-f]+\.wal$/, '-00000000000000ff.wal')))),
    { code: 'WAL_CORRUPT', message: /name disagrees/ },
  );
  // Two segments swapped: the crc chain (and the first indexes) no longer link.
  await t.rejects(
    openDamaged(m.dir, work, async (d) => {
      const a = await readFile(path.join(d, files[1]!));
      const b = await readFile(path.join(d, files[2]!));
      await writeFile(path.join(d, files[1]!), b);
      await writeFile(path.join(d, files[2]!), a);
    }),
    { code: 'WAL_CORRUPT' },
  );
});

t.test('records that verify but make no sense are corruption, never a torn tail', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1)] }));
  const work = path.join(await tmpDir(t), 'wal');
  const append = (records: { type: RecordType; payload: Uint8Array }[]) => async (d: string) => {
    const file = path.join(d, m.lastName);
    const scan = scanRecords(await readFile(file), 0, MAX);
    await appendFile(file, frameRecords(records, scan.crc).bytes);
  };
  await t.rejects(openDamaged(m.dir, work, append([{ type: RecordType.Entry, payload: encodeEntry(entry(20, 1)) }])), { code: 'WAL_GAP' });
  const size = (await stat(path.join(work, m.lastName))).size;
  t.equal(size, m.batch[0]!.end + 9 + encodeEntry(entry(20, 1)).byteLength, 'not truncated');
  await t.rejects(openDamaged(m.dir, work, append([{ type: 9 as RecordType, payload: new Uint8Array(3) }])), {
    code: 'WAL_CORRUPT',
    message: /unknown record type/,
  });
  await t.rejects(openDamaged(m.dir, work, append([{ type: RecordType.Entry, payload: new Uint8Array(5) }])), {
    code: 'WAL_CORRUPT',
    message: /undecodable Entry/,
  });
  await t.rejects(openDamaged(m.dir, work, append([{ type: RecordType.SegmentHeader, payload: new Uint8Array(5) }])), {
    code: 'WAL_CORRUPT',
    message: /middle of a segment/,
  });
  await t.rejects(openDamaged(m.dir, work, append([{ type: RecordType.Entry, payload: encodeEntry(entry(13, 0)) }])), {
    code: 'WAL_CORRUPT',
    message: /term 0 below/,
  });
});

t.test('a leftover temporary segment (crash while creating one) is ignored and removed', async (t) => {
  const m = await buildMaster(t, () => ({ hardState: null, entries: [entry(13, 1)] }));
  const work = path.join(await tmpDir(t), 'wal');
  const tmpName = `${m.lastName.replace(/^[0-9a-f]{16}/, '00000000000000ff')}.tmp`;
  const { wal, replay } = await openDamaged(m.dir, work, (d) => writeFile(path.join(d, tmpName), 'half a header'));
  t.same(show(replay.entries), [...m.before.entries, ...show([entry(13, 1)])]);
  t.equal(replay.truncatedBytes, 0);
  await t.rejects(stat(path.join(work, tmpName)), { code: 'ENOENT' });
  await wal.close();
});

t.test('a failed write poisons the WAL: WAL_FAILED now and for every later save', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  await wal.save({ hardState: hs(1, 1, 1), entries: [entry(1, 1)] });
  // Pull the file out from under the WAL, as a failing disk would.
  await (wal as unknown as { active: { fh: { close(): Promise<void> } } }).active.fh.close();
  await t.rejects(wal.save({ hardState: null, entries: [entry(2, 1)] }), { code: 'WAL_FAILED' });
  await t.rejects(wal.save({ hardState: null, entries: [entry(3, 1)] }), { code: 'WAL_FAILED' });
  await wal.close();
  const r = await Wal.open({ dir });
  t.same(show(r.replay.entries), show([entry(1, 1)]), 'what was acknowledged is there');
  await r.wal.close();
});

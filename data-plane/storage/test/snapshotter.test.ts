import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { Snapshot } from '@konsortium/raft';
import { Snapshotter, type StorageError } from '../src/index.js';
import { snapshotFileName } from '../src/snapshotter.js';
import { tmpDir } from './helpers.js';

function snap(index: number, term: number, data = `state@${index}`): Snapshot {
  return { metadata: { index, term, confState: { voters: [1, 2, 3], learners: [4] } }, data: new TextEncoder().encode(data) };
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

t.test('an empty or missing directory has no snapshot', async (t) => {
  const dir = await tmpDir(t);
  t.equal(await new Snapshotter(dir).loadNewest(), null);
  t.equal(await new Snapshotter(path.join(dir, 'missing')).loadNewest(), null);
  await new Snapshotter(path.join(dir, 'missing')).prune(1);
});

t.test('save then loadNewest returns the newest, byte for byte', async (t) => {
  const dir = path.join(await tmpDir(t), 'snap'); // created on first save
  const s = new Snapshotter(dir);
  await s.save(snap(10, 1));
  await s.save(snap(300, 4));
  await s.save(snap(25, 2));
  t.same(await s.loadNewest(), snap(300, 4));
  t.same((await s.list()).map((f) => f.index), [300, 25, 10]);
  t.same(await files(dir), [snapshotFileName(10, 1), snapshotFileName(25, 2), snapshotFileName(300, 4)]);
  // Saving the same snapshot again atomically replaces the file.
  await s.save(snap(300, 4));
  t.same(await s.loadNewest(), snap(300, 4));
});

t.test('a corrupt newest file is reported, set aside and skipped for the older one', async (t) => {
  const dir = await tmpDir(t);
  const reports: { file: string; err: StorageError }[] = [];
  const s = new Snapshotter(dir, { onCorrupt: (file, err) => reports.push({ file, err }) });
  await s.save(snap(10, 1));
  await s.save(snap(20, 1));
  await s.save(snap(30, 2));
  // 30: a bit flip in the data; 20: torn (half the file).
  const f30 = path.join(dir, snapshotFileName(30, 2));
  const buf = await readFile(f30);
  buf[buf.length - 2]! ^= 0x10;
  await writeFile(f30, buf);
  const f20 = path.join(dir, snapshotFileName(20, 1));
  await truncate(f20, 20);

  t.same(await s.loadNewest(), snap(10, 1));
  t.same(
    reports.map((r) => [path.basename(r.file), r.err.code]),
    [
      [snapshotFileName(30, 2), 'SNAPSHOT_CORRUPT'],
      [snapshotFileName(20, 1), 'SNAPSHOT_CORRUPT'],
    ],
  );
  t.match(reports[0]!.err.message, /checksum mismatch/);
  t.same(await files(dir), [snapshotFileName(10, 1), `${snapshotFileName(20, 1)}.broken`, `${snapshotFileName(30, 2)}.broken`]);
  // Set aside: never counted again, and prune leaves the evidence alone.
  t.same(await s.loadNewest(), snap(10, 1));
  t.equal(reports.length, 2);
  await s.prune(1);
  t.equal((await files(dir)).length, 3);
});

t.test('every kind of damage is detected', async (t) => {
  const dir = await tmpDir(t);
  const s = new Snapshotter(dir, { fsync: false });
  const name = snapshotFileName(5, 1);
  const good = async () => {
    await s.save(snap(5, 1, 'x'.repeat(100)));
    return readFile(path.join(dir, name));
  };
  const damages: [string, (b: Buffer) => Buffer][] = [
    ['empty', () => Buffer.alloc(0)],
    ['magic', (b) => (b.writeUInt32BE(0, 0), b)],
    ['version', (b) => ((b[8] = 2), b)],
    ['length', (b) => ((b[16] = b[16]! + 1), b)],
    ['appended byte', (b) => Buffer.concat([b, Buffer.from([0])])],
    ['every payload bit', (b) => ((b[40] = b[40]! ^ 0xff), b)],
  ];
  for (const [what, damage] of damages) {
    await writeFile(path.join(dir, name), damage(await good()));
    let reported: StorageError | null = null;
    const loaded = await new Snapshotter(dir, { onCorrupt: (_f, e) => (reported = e) }).loadNewest();
    t.equal(loaded, null, what);
    t.match(reported, { code: 'SNAPSHOT_CORRUPT' }, what);
  }
  // A valid file under the wrong name is not trusted either.
  await writeFile(path.join(dir, snapshotFileName(6, 1)), await good());
  let reported: StorageError | null = null;
  t.same(await new Snapshotter(dir, { onCorrupt: (_f, e) => (reported = e) }).loadNewest(), snap(5, 1, 'x'.repeat(100)));
  t.match(reported, { code: 'SNAPSHOT_CORRUPT', message: /name disagrees/ });
});

t.test('a leftover temp file (crash before rename) is ignored and cleaned up', async (t) => {
  const dir = await tmpDir(t);
  const s = new Snapshotter(dir);
  await s.save(snap(10, 1));
  // A newer snapshot whose save crashed after writing part of its temp file.
  const tmp = `${snapshotFileName(99, 3)}.tmp`;
  await writeFile(path.join(dir, tmp), 'partial');
  t.same(await s.loadNewest(), snap(10, 1));
  t.same(await files(dir), [snapshotFileName(10, 1)], 'temp removed');
  await writeFile(path.join(dir, tmp), 'partial');
  await s.prune(5);
  t.same(await files(dir), [snapshotFileName(10, 1)], 'prune removes temps too');
});

t.test('prune keeps the newest `keep` snapshots', async (t) => {
  const dir = await tmpDir(t);
  const s = new Snapshotter(dir);
  for (const [i, term] of [
    [10, 1],
    [20, 1],
    [30, 2],
    [40, 2],
  ] as const)
    await s.save(snap(i, term));
  await s.prune(2);
  t.same(await files(dir), [snapshotFileName(30, 2), snapshotFileName(40, 2)]);
  await s.prune(5);
  t.equal((await files(dir)).length, 2);
  t.same(await s.loadNewest(), snap(40, 2));
  await s.prune(0);
  t.same(await files(dir), []);
  t.equal(await s.loadNewest(), null);
});

import t from 'tap';
import { Wal } from '../src/index.js';
import { GroupCommit } from '../src/group-commit.js';
import { entry, ents, hs, show, tmpDir } from './helpers.js';

t.test('100 concurrent saves: all durable, far fewer fsyncs than saves, replayed in order', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  const base = wal.stats();
  const resolved: number[] = [];
  const saves: Promise<void>[] = [];
  for (let i = 1; i <= 100; i++) {
    saves.push(
      wal.save({ hardState: hs(1, 1, i - 1), entries: [entry(i, 1)] }).then(() => {
        const s = wal.stats();
        // Resolution means written and fsynced: this save's group has been counted.
        t.ok(s.batches >= i && s.fsyncs > base.fsyncs, `save ${i} resolved after its fsync`);
        resolved.push(i);
      }),
    );
  }
  await Promise.all(saves);
  const s = wal.stats();
  t.same(resolved, Array.from({ length: 100 }, (_, k) => k + 1), 'promises resolve in submission order');
  t.equal(s.batches - base.batches, 100);
  t.ok(s.fsyncs - base.fsyncs < 100, `${s.fsyncs - base.fsyncs} fsyncs for 100 saves`);
  t.ok(s.groups - base.groups < 100, `${s.groups - base.groups} writes for 100 saves`);
  t.equal(s.records - base.records, 200);
  await wal.close();
  const r = await Wal.open({ dir });
  t.same(show(r.replay.entries), show(ents(1, 100, 1)));
  t.same(r.replay.hardState, hs(1, 1, 99));
  await r.wal.close();
});

t.test('saves arriving during a flush share the next one', async (t) => {
  const dir = await tmpDir(t);
  const { wal } = await Wal.open({ dir });
  const base = wal.stats();
  const first = wal.save({ hardState: null, entries: [entry(1, 1)] });
  await Promise.resolve(); // the first group is now in flight
  await Promise.resolve();
  const rest = [2, 3, 4, 5].map((i) => wal.save({ hardState: null, entries: [entry(i, 1)] }));
  await Promise.all([first, ...rest]);
  const s = wal.stats();
  t.equal(s.batches - base.batches, 5);
  t.ok(s.groups - base.groups <= 2, `${s.groups - base.groups} groups`);
  t.ok(s.fsyncs - base.fsyncs <= 2, `${s.fsyncs - base.fsyncs} fsyncs`);
  await wal.close();
});

/** A flush whose completion the test controls. */
function controlledFlush() {
  const calls: { items: number[]; finish: (err?: Error) => void }[] = [];
  const flush = (items: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items: [...items], finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, flush };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('GroupCommit: one flush in flight, the queue goes out together next', async (t) => {
  const { calls, flush } = controlledFlush();
  const gc = new GroupCommit<number>(flush, { sizeOf: () => 1, maxGroupBytes: 1000 });
  const settled: string[] = [];
  const track = (n: number) => gc.submit(n).then(() => settled.push(`ok${n}`), () => settled.push(`err${n}`));
  const p = [track(1), track(2)];
  await tick();
  t.same(calls.map((c) => c.items), [[1, 2]], 'same-tick submissions form one group');
  p.push(track(3), track(4), track(5));
  await tick();
  t.equal(calls.length, 1, 'no second flush while one is in flight');
  t.same(settled, [], 'nothing resolves before its flush completes');
  calls[0]!.finish();
  await tick();
  t.same(settled, ['ok1', 'ok2']);
  t.same(calls.map((c) => c.items), [[1, 2], [3, 4, 5]]);
  calls[1]!.finish(new Error('disk on fire'));
  await tick();
  t.same(settled, ['ok1', 'ok2', 'err3', 'err4', 'err5'], 'a failed flush rejects exactly its group');
  await Promise.all(p);
  // The committer keeps working (the Wal itself refuses after a failure; see recovery tests).
  const late = track(6);
  await tick();
  calls[2]!.finish();
  await late;
  t.same(settled.at(-1), 'ok6');
  await gc.idle();
});

t.test('GroupCommit: groups are capped by bytes but always take one item', async (t) => {
  const { calls, flush } = controlledFlush();
  const gc = new GroupCommit<number>(flush, { sizeOf: (n) => n, maxGroupBytes: 10 });
  const all = [4, 4, 4, 50, 1].map((n) => gc.submit(n));
  for (let i = 0; i < 4; i++) {
    await tick();
    calls[i]!.finish();
  }
  await Promise.all(all);
  t.same(calls.map((c) => c.items), [[4, 4], [4], [50], [1]]);
  await gc.idle();
  t.equal(gc.pending, 0);
});

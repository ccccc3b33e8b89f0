// Property: any sequence of saves (overwrites, snapshots installed from a leader, local snapshots
// with releaseTo, reopens) replays to what a plain in-memory model of the Raft log says.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { EMPTY_HARD_STATE, type Entry, type HardState } from '@konsortium/raft';
import { Wal } from '../src/index.js';
import { entry, show } from './helpers.js';

type Op =
  | { kind: 'append'; at: number; n: number; bump: boolean; withHs: boolean; sync: boolean }
  | { kind: 'hardState'; commit: number }
  | { kind: 'localSnapshot'; at: number; release: boolean }
  | { kind: 'install'; ahead: number; n: number }
  | { kind: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }), bump: fc.boolean(), withHs: fc.boolean(), sync: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hardState' as const), commit: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('localSnapshot' as const), at: fc.nat(), release: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('install' as const), ahead: fc.integer({ min: -3, max: 5 }), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

/** The reference: a log as an array, replaced wholesale by installed snapshots. */
class Model {
  base = 0;
  baseTerm = 0;
  log: Entry[] = [];
  snap = { index: 0, term: 0 };
  term = 1;
  hardState: HardState = EMPTY_HARD_STATE;

  last(): number {
    return this.base + this.log.length;
  }
  termAt(i: number): number {
    return i === this.base ? this.baseTerm : this.log[i - this.base - 1]!.term;
  }
  append(from: number, es: Entry[]): void {
    this.log.length = from - this.base - 1;
    this.log.push(...es);
  }
  expected(): ReturnType<typeof show> {
    return show(this.log.filter((e) => e.index > this.snap.index));
  }
}

t.test('random saves then reopen == in-memory model', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(1, 200, 1000, 1 << 20), fc.array(opArb, { minLength: 10, maxLength: 60, size: 'max' }), async (segmentBytes, ops) => {
      runs++;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'konsortium-storage-prop-'));
      const open = () => Wal.open({ dir, segmentBytes, fsync: false, fromSnapshot: m.snap });
      const m = new Model();
      let { wal } = await open();
      try {
        for (const op of ops) {
          switch (op.kind) {
            case 'append': {
              // Only entries above the snapshot (hence above the commit) are ever rewritten.
              const floor = m.snap.index;
              const from = floor + 1 + (op.at % (m.last() - floor + 1));
              if (op.bump) m.term++;
              const es = Array.from({ length: op.n }, (_, k) => entry(from + k, m.term, `${from + k}/${m.term}/${op.at}`));
              const hardState = op.withHs ? { term: m.term, vote: 1, commit: Math.min(floor, m.last()) } : null;
              await wal.save({ hardState, entries: es }, { sync: op.sync });
              m.append(from, es);
              if (hardState) m.hardState = hardState;
              break;
            }
            case 'hardState': {
              const hardState = { term: m.term, vote: 2, commit: op.commit % (m.last() + 1) };
              await wal.save({ hardState, entries: [] });
              m.hardState = hardState;
              break;
            }
            case 'localSnapshot': {
              // The node snapshots an applied index, saves the file, then releases the WAL.
              const i = m.snap.index + (op.at % (m.last() - m.snap.index + 1));
              m.snap = { index: i, term: m.termAt(i) };
              if (op.release) await wal.releaseTo(i);
              break;
            }
            case 'install': {
              // A leader's snapshot at (index, term): beyond our log, or conflicting with it.
              const index = Math.max(m.snap.index + 1, m.last() + op.ahead);
              m.term++;
              const snapshot = { index, term: m.term, confState: { voters: [1], learners: [] } };
              const es = Array.from({ length: op.n }, (_, k) => entry(index + 1 + k, m.term));
              const hardState = { term: m.term, vote: 0, commit: index };
              await wal.save({ hardState, entries: es, snapshot });
              m.base = index;
              m.baseTerm = m.term;
              m.log = es;
              m.snap = { index, term: m.term };
              m.hardState = hardState;
              break;
            }
            case 'reopen': {
              await wal.close();
              const r = await open();
              wal = r.wal;
              if (!t.same(show(r.replay.entries), m.expected(), 'entries after reopen')) throw new Error('mismatch');
              if (!t.same(r.replay.hardState, m.hardState, 'hard state after reopen')) throw new Error('mismatch');
              t.equal(r.replay.truncatedBytes, 0);
              break;
            }
          }
          if (wal.lastIndex() !== m.last()) throw new Error(`lastIndex ${wal.lastIndex()} != model ${m.last()}`);
        }
        await wal.close();
        const final = await open();
        await final.wal.close();
        const ok = t.same(show(final.replay.entries), m.expected(), 'final entries') && t.same(final.replay.hardState, m.hardState, 'final hard state');
        if (!ok) throw new Error(`mismatch after ${JSON.stringify(ops)}`);
        const marker = final.replay.snapshot;
        if (marker !== null && marker.index > m.snap.index) throw new Error('snapshot marker newer than the requested snapshot');
      } finally {
        await wal.close();
        await rm(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 80 },
  );
  t.equal(runs >= 80, true, `${runs} runs`);
});

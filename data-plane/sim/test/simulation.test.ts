import t from 'tap';
import { EntryType, MemoryStorage, RawNode, SeededRandom, type Entry } from '@konsortium/raft';
import { SafetyChecker } from '../src/checkers.js';
import { DEFAULT_SIM_OPTIONS, runSimulation } from '../src/simulation.js';

t.test('a seed replays exactly', async (t) => {
  const a = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 7 });
  const b = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 7 });
  t.equal(a.steps, b.steps);
  t.same(a.trace, b.trace);
  t.same(a.stats, b.stats);
  const c = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 8 });
  t.not(JSON.stringify(a.trace), JSON.stringify(c.trace), 'another seed tells another story');
});

t.test('healthy runs exercise every fault and pass every checker', async (t) => {
  const totals = { crashes: 0, partitions: 0, snapshots: 0, confChanges: 0, torn: 0, acked: 0, leaders: 0, dropped: 0 };
  for (let seed = 1; seed <= 12; seed++) {
    const r = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed, initialVoters: seed % 2 === 0 ? 5 : 3, powerLossPercent: 10 });
    t.same(r.violations, [], `seed ${seed} has no violations`);
    t.equal(r.stats.linearizability, 'ok', `seed ${seed} history is linearizable`);
    totals.crashes += r.stats.crashes;
    totals.partitions += r.stats.partitions;
    totals.snapshots += r.stats.snapshotsInstalled;
    totals.confChanges += r.stats.confChangesApplied;
    totals.torn += r.stats.tornRecords;
    totals.acked += r.stats.acked;
    totals.leaders += r.stats.leaders;
    totals.dropped += r.stats.dropped;
  }
  // The runs are only evidence if the faults really happened.
  for (const [k, v] of Object.entries(totals)) t.ok(v > 0, `${k} happened (${v})`);
  t.ok(totals.leaders > 12, 'leadership changed hands');
});

t.test('the checkers catch an environment that acknowledges before fsync', async (t) => {
  let caught: number | null = null;
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 150 && caught === null; seed++) {
    const r = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed, powerLossPercent: 80, bugAckBeforeSync: true });
    if (r.violations.length > 0) {
      caught = seed;
      for (const v of r.violations) kinds.add(v.kind);
    }
  }
  t.not(caught, null, 'some seed exposes the lost acknowledged write');
  t.ok([...kinds].some((k) => k !== 'liveness'), `a safety checker fired: ${[...kinds].join(', ')}`);
});

function entry(index: number, term: number, data = 'x'): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(data) };
}

function nodeWithLog(id: number, entries: Entry[]): RawNode {
  const storage = new MemoryStorage();
  storage.applySnapshot({ metadata: { index: 1, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array() });
  storage.append(entries);
  return new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, storage, random: new SeededRandom(id) });
}

t.test('safety checker: each property fails on a counterexample', async (t) => {
  const c = new SafetyChecker();
  const good = nodeWithLog(1, [entry(2, 1), entry(3, 2)]);
  c.onLeader(0, 1, 2, good);
  c.onLeader(1, 2, 2, nodeWithLog(2, []));
  t.ok(c.violations.some((v) => v.kind === 'election-safety'), 'two leaders in one term');

  const s = new SafetyChecker();
  s.onApplied(0, 1, entry(2, 1, 'a'));
  s.onApplied(1, 2, entry(2, 1, 'b'));
  t.ok(s.violations.some((v) => v.kind === 'state-machine-safety'), 'different entries applied at one index');

  const lc = new SafetyChecker();
  lc.onApplied(0, 1, entry(2, 1));
  lc.onApplied(0, 1, entry(3, 2));
  lc.onLeader(5, 2, 3, nodeWithLog(2, [entry(2, 1)]));
  t.ok(lc.violations.some((v) => v.kind === 'leader-completeness'), 'a leader missing a committed entry');

  const lm = new SafetyChecker();
  const a = nodeWithLog(1, [entry(2, 1, 'a'), entry(3, 2)]);
  const b = nodeWithLog(2, [entry(2, 1, 'b'), entry(3, 2)]);
  lm.checkLogMatching(0, [{ id: 1, raw: a }, { id: 2, raw: b }]);
  t.ok(lm.violations.some((v) => v.kind === 'log-matching'), 'same term at 3 but different entries at 2');

  const ok = new SafetyChecker();
  ok.checkLogMatching(0, [{ id: 1, raw: good }, { id: 2, raw: nodeWithLog(2, [entry(2, 1), entry(3, 3)]) }]);
  t.same(ok.violations, [], 'diverging uncommitted tails are allowed');
});

// Randomized schedules (fast-check): ticks, message delivery in any order, drops, duplicates,
// partitions, crashes and restarts, compaction, proposals, transfers and reads, on 3 and 5
// nodes. After every step the safety properties of Figure 3 of the Raft paper must hold:
//   Election Safety: at most one leader can be elected in a given term.
//   Log Matching: if two logs contain an entry with the same index and term, then the logs are
//     identical in all entries up through the given index.
//   Leader Completeness: if a log entry is committed in a given term, then that entry will be
//     present in the logs of the leaders for all higher-numbered terms.
//   State Machine Safety: if a server has applied a log entry at a given index to its state
//     machine, no other server will ever apply a different log entry for the same index.
// plus the core's own invariants (raft.checkInvariants()) and linearizable ReadIndex.
import fc from 'fast-check';
import t from 'tap';
import { ConfChangeType, EMPTY_BYTES, type Entry, type Message, Role } from '../src/index.js';
import { data, type TestCluster as TC, TestCluster, type TestNode, text } from './helpers.js';

type Action =
  | { k: 'tick'; node: number }
  | { k: 'tickAll' }
  | { k: 'deliver'; i: number }
  | { k: 'flush' }
  | { k: 'drop'; i: number }
  | { k: 'dup'; i: number }
  | { k: 'ready'; node: number }
  | { k: 'readyAll' }
  | { k: 'propose'; node: number }
  | { k: 'partition'; mask: number }
  | { k: 'heal' }
  | { k: 'restart'; node: number }
  | { k: 'compact'; node: number }
  | { k: 'transfer'; to: number }
  | { k: 'read'; node: number }
  | { k: 'conf'; type: ConfChangeType; node: number };

const node = fc.integer({ min: 0, max: 4 });
const idx = fc.nat();
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 12, arbitrary: node.map((n) => ({ k: 'tick' as const, node: n })) },
  { weight: 10, arbitrary: fc.constant({ k: 'tickAll' as const }) },
  { weight: 30, arbitrary: idx.map((i) => ({ k: 'deliver' as const, i })) },
  { weight: 8, arbitrary: fc.constant({ k: 'flush' as const }) },
  { weight: 4, arbitrary: idx.map((i) => ({ k: 'drop' as const, i })) },
  { weight: 2, arbitrary: idx.map((i) => ({ k: 'dup' as const, i })) },
  { weight: 10, arbitrary: node.map((n) => ({ k: 'ready' as const, node: n })) },
  { weight: 20, arbitrary: fc.constant({ k: 'readyAll' as const }) },
  { weight: 8, arbitrary: node.map((n) => ({ k: 'propose' as const, node: n })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((mask) => ({ k: 'partition' as const, mask })) },
  { weight: 2, arbitrary: fc.constant({ k: 'heal' as const }) },
  { weight: 1, arbitrary: node.map((n) => ({ k: 'restart' as const, node: n })) },
  { weight: 2, arbitrary: node.map((n) => ({ k: 'compact' as const, node: n })) },
  { weight: 1, arbitrary: node.map((n) => ({ k: 'transfer' as const, to: n })) },
  { weight: 2, arbitrary: node.map((n) => ({ k: 'read' as const, node: n })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(ConfChangeType.AddLearner, ConfChangeType.PromoteLearner, ConfChangeType.RemoveNode, ConfChangeType.AddVoter), node).map(([type, n]) => ({ k: 'conf' as const, type, node: n })),
  },
);

interface World {
  c: TC;
  ids: number[];
  /** term -> the node that led it. */
  leaders: Map<number, number>;
  /** index -> term of every entry any node has known as committed. */
  committed: Map<number, number>;
  /** index -> the term of the node that first saw it committed (>= the term it committed in). */
  committedIn: Map<number, number>;
  /** index -> the entry some node applied there. */
  applied: Map<number, string>;
  /** read ctx -> the highest commit index known anywhere when the read was issued. */
  reads: Map<string, number>;
  seenReads: Map<number, number>;
  proposals: number;
}

function fail(why: string): never {
  throw new Error(why);
}

function entryKey(e: Entry): string {
  return `${e.term}:${text(e)}`;
}

function checkWorld(w: World): void {
  const { c } = w;
  for (const tn of c.nodes.values()) {
    const r = tn.node.raft;
    r.checkInvariants();
    // Election Safety.
    if (r.role === Role.Leader) {
      const prev = w.leaders.get(r.term);
      if (prev !== undefined && prev !== r.id) fail(`two leaders in term ${r.term}: ${prev} and ${r.id}`);
      w.leaders.set(r.term, r.id);
    }
    // Committed entries never change. "Committed" is what the node made durable: a lone voter
    // commits an entry before persisting it, but nobody can learn of that (Ready persists
    // before it sends or applies anything), and a crash may legitimately lose it.
    const durable = Math.max(tn.storage.initialState().hardState.commit, tn.storage.firstIndex() - 1);
    for (let i = tn.storage.firstIndex(); i <= durable; i++) {
      const term = tn.storage.term(i);
      const known = w.committed.get(i);
      if (known !== undefined && known !== term) fail(`node ${r.id}: committed entry ${i} has term ${term}, was ${known}`);
      if (known === undefined) w.committedIn.set(i, r.term);
      w.committed.set(i, term);
    }
    // State Machine Safety (and each entry is applied once, in order).
    let last = 0;
    for (const e of tn.applied) {
      if (e.index <= last) fail(`node ${r.id} applied ${e.index} after ${last}`);
      last = e.index;
      const k = entryKey(e);
      const other = w.applied.get(e.index);
      if (other !== undefined && other !== k) fail(`node ${r.id} applied ${k} at ${e.index}, another node ${other}`);
      w.applied.set(e.index, k);
    }
    // Linearizable reads: a read index covers everything committed before the read was issued.
    for (let i = w.seenReads.get(r.id) ?? 0; i < tn.readStates.length; i++) {
      const rs = tn.readStates[i]!;
      const ctx = new TextDecoder().decode(rs.requestCtx);
      const floor = w.reads.get(ctx);
      if (floor !== undefined && rs.index < floor) fail(`read ${ctx} answered at ${rs.index} < ${floor} committed before it`);
    }
    w.seenReads.set(r.id, tn.readStates.length);
  }
  // Leader Completeness: a leader of a later term than the one an entry was committed in
  // holds that entry (unless it compacted it away). A stale leader of an earlier term, not yet
  // deposed, may not.
  for (const tn of c.nodes.values()) {
    const r = tn.node.raft;
    if (r.role !== Role.Leader) continue;
    for (const [i, term] of w.committed) {
      if (r.term <= w.committedIn.get(i)!) continue;
      if (i > r.log.lastIndex()) fail(`leader ${r.id} (term ${r.term}) lacks committed entry ${i}@${term}`);
      if (i >= r.log.firstIndex() && r.log.term(i) !== term) fail(`leader ${r.id} has ${r.log.term(i)} at committed ${i}@${term}`);
    }
  }
  // Log Matching across every pair of logs (stable and unstable entries alike).
  const logs = [...c.nodes.values()].map((tn) => {
    const r = tn.node.raft;
    return { id: r.id, first: r.log.firstIndex(), ents: r.log.allEntries() };
  });
  for (let a = 0; a < logs.length; a++) {
    for (let b = a + 1; b < logs.length; b++) {
      const A = logs[a]!;
      const B = logs[b]!;
      const lo = Math.max(A.first, B.first);
      const hi = Math.min(A.first + A.ents.length, B.first + B.ents.length) - 1;
      let matched = false;
      for (let i = hi; i >= lo; i--) {
        const ea = A.ents[i - A.first]!;
        const eb = B.ents[i - B.first]!;
        if (matched) {
          if (entryKey(ea) !== entryKey(eb)) fail(`log matching: ${A.id} and ${B.id} agree above ${i} but differ at it`);
        } else if (ea.term === eb.term) {
          matched = true;
          if (entryKey(ea) !== entryKey(eb)) fail(`log matching: ${A.id} and ${B.id} have different entries ${i}@${ea.term}`);
        }
      }
    }
  }
}

function pick<T>(xs: T[], i: number): T | undefined {
  return xs.length === 0 ? undefined : xs[i % xs.length];
}

function apply(w: World, a: Action): void {
  const { c, ids } = w;
  const id = (n: number) => ids[n % ids.length]!;
  const tryRaft = (f: () => void) => {
    try {
      f();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'PROPOSAL_DROPPED' && code !== 'CONF_CHANGE_REJECTED') throw err;
    }
  };
  switch (a.k) {
    case 'tick':
      c.tick(id(a.node));
      break;
    case 'tickAll':
      c.tickAll();
      break;
    case 'deliver':
    case 'drop':
    case 'dup': {
      const m: Message | undefined = pick(c.queue, a.i);
      if (!m) break;
      if (a.k !== 'dup') c.queue.splice(c.queue.indexOf(m), 1);
      if (a.k !== 'drop') c.deliverMessage(m);
      else c.lost(m);
      break;
    }
    case 'flush':
      c.deliver();
      break;
    case 'ready':
      while (c.processNode(c.get(id(a.node)))) {
        // drain this node
      }
      break;
    case 'readyAll':
      c.processReady();
      break;
    case 'propose':
      tryRaft(() => c.get(id(a.node)).node.propose(data(`p${w.proposals++}`)));
      break;
    case 'partition': {
      const left = ids.filter((_, i) => (a.mask >> i) & 1);
      const right = ids.filter((x) => !left.includes(x));
      c.heal();
      if (left.length > 0 && right.length > 0) c.partition(left, right);
      break;
    }
    case 'heal':
      c.heal();
      break;
    case 'restart':
      c.restart(id(a.node));
      break;
    case 'compact': {
      const tn = c.get(id(a.node));
      if (tn.appliedIndex > tn.storage.snapshot().metadata.index) c.compact(tn.id, 0);
      break;
    }
    case 'transfer': {
      const lead = c.leader();
      if (lead) lead.node.transferLeader(id(a.to));
      break;
    }
    case 'conf': {
      const lead = c.leader();
      if (!lead) break;
      // Known liveness hazard, left out here (see membership.test.ts, the todo test): a leader
      // removing itself from a two-voter cluster.
      const r = lead.node.raft;
      if (a.type === ConfChangeType.RemoveNode && id(a.node) === r.id && r.prs.voters.length === 2) break;
      tryRaft(() => lead.node.proposeConfChange({ type: a.type, nodeId: id(a.node), context: EMPTY_BYTES }));
      break;
    }
    case 'read': {
      const ctx = `read${w.reads.size}`;
      let floor = 0;
      for (const tn of c.nodes.values()) floor = Math.max(floor, tn.storage.initialState().hardState.commit);
      w.reads.set(ctx, floor);
      c.get(id(a.node)).node.readIndex(data(ctx));
      break;
    }
  }
}

function runSchedule(n: number, seed: number, opts: { preVote: boolean; checkQuorum: boolean; small: boolean; learner: boolean }, actions: Action[]): void {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const c = new TestCluster(ids, {
    electionTicks: 5,
    heartbeatTicks: 1,
    preVote: opts.preVote,
    checkQuorum: opts.checkQuorum,
    ...(opts.small ? { maxSizePerMsgBytes: 60, maxInflightMsgs: 2 } : {}),
  }, seed, opts.learner ? [n] : []);
  c.autoReportSnapshots = true;
  const w: World = { c, ids, leaders: new Map(), committed: new Map(), committedIn: new Map(), applied: new Map(), reads: new Map(), seenReads: new Map(), proposals: 0 };
  for (const a of actions) {
    apply(w, a);
    checkWorld(w);
  }
  // Liveness once the faults stop: a leader emerges, commits a new entry, and every node
  // catches up to the same state machine. (Without pre-vote a node with a stale log can
  // delay elections for a while: give it time.)
  c.heal();
  // A removed server is shut down (§4.2.3: otherwise, without check-quorum, it can disrupt the
  // cluster forever); the leader's applied configuration says who is a member.
  const members = (lead: TestNode) => [...c.nodes.values()].filter((tn) => lead.confState.voters.includes(tn.id) || lead.confState.learners.includes(tn.id));
  let finals = 0;
  for (let round = 0; round < 600; round++) {
    c.tickAll();
    c.stabilize();
    checkWorld(w);
    const lead = c.leader();
    if (!lead) continue;
    for (const tn of c.nodes.values()) {
      const member = members(lead).includes(tn);
      if (!member && !c.down.has(tn.id)) c.stop(tn.id);
      if (member && c.down.has(tn.id)) c.restart(tn.id); // added back meanwhile
    }
    if (round % 25 === 0 || finals === 0) {
      try {
        lead.node.propose(data(`final${finals}`));
        finals++;
        c.stabilize();
      } catch {
        // transferring or not a member: try later
      }
    }
    const want = lead.applied.map(entryKey).join();
    if (finals > 0 && lead.applied.some((e) => text(e).startsWith('final')) && members(lead).every((tn) => tn.applied.map(entryKey).join() === want)) {
      return;
    }
  }
  fail('the cluster did not converge once the faults stopped');
}

const config = fc.record({ preVote: fc.boolean(), checkQuorum: fc.boolean(), small: fc.boolean(), learner: fc.boolean() });

// A fixed seed keeps CI deterministic; RAFT_PROPERTY_SEED=<n> RAFT_PROPERTY_RUNS=<n> explore more.
const envSeed = Number(process.env['RAFT_PROPERTY_SEED'] ?? '');
const envRuns = Number(process.env['RAFT_PROPERTY_RUNS'] ?? '');
const params = (seed: number, runs: number): fc.Parameters<unknown> => ({
  seed: Number.isInteger(envSeed) && process.env['RAFT_PROPERTY_SEED'] ? envSeed + seed : seed,
  numRuns: Number.isInteger(envRuns) && envRuns > 0 ? envRuns : runs,
});

for (const n of [3, 5]) {
  t.test(`${n} nodes: random schedules never violate election safety, log matching, leader completeness or state machine safety`, async (t) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), config, fc.array(action, { minLength: 300, maxLength: 600, size: 'max' }), (seed, opts, actions) => {
        runSchedule(n, seed, opts, actions);
      }),
      params(n, n === 3 ? 300 : 200),
    );
    t.pass('no counterexample');
  });
}

t.test('a long run with heavy churn', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), config, fc.array(action, { minLength: 1500, maxLength: 2000, size: 'max' }), (seed, opts, actions) => {
      runSchedule(5, seed, opts, actions);
    }),
    params(7, 20),
  );
  t.pass('no counterexample');
});

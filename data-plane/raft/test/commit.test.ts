// Commitment (§5.3, §5.4.2 of the Raft paper): "Raft never commits log entries from previous
// terms by counting replicas. Only log entries from the leader's current term are committed by
// counting replicas; once an entry from the current term has been committed in this way, then
// all prior entries are committed indirectly because of the Log Matching Property."
import t from 'tap';
import { MessageType, Role } from '../src/index.js';
import { data, drain, ent, logTerms, msg, newRaft, TestCluster } from './helpers.js';

const isVote = (m: { type: MessageType }) => m.type === MessageType.Vote || m.type === MessageType.VoteResp;

/** Elects `id` delivering vote traffic only (other messages stay queued); retries with new terms. */
function electVotesOnly(c: TestCluster, id: number): void {
  for (let attempt = 0; attempt < 5 && c.raft(id).role !== Role.Leader; attempt++) {
    c.get(id).node.campaign();
    while (c.deliver(isVote) > 0) {
      // until the votes are all in
    }
  }
  if (c.raft(id).role !== Role.Leader) throw new Error(`node ${id} could not be elected`);
}

/**
 * Figure 8 of the paper, states (a) to (c), with the paper's S1..S5 as nodes 1..5. Index 2 is
 * each leader's empty entry; index 3 holds data ('x' from S1's first term, 'y' from S5's).
 */
type Asserts = Pick<typeof t, 'same' | 'equal' | 'ok'>;

function figure8(t: Asserts): TestCluster {
  const c = new TestCluster([1, 2, 3, 4, 5], { preVote: false, checkQuorum: false, maxSizePerMsgBytes: 1 });
  // (a) S1 is leader and partially replicates its entries (to S2 only).
  electVotesOnly(c, 1);
  const t1 = c.raft(1).term;
  c.partition([1, 2], [3, 4, 5]);
  c.propose(1, 'x');
  t.same(logTerms(c.raft(1)), [t1, t1], '(a) S1 has 2 and 3 of its term');
  t.same(logTerms(c.raft(2)), [t1, t1], '(a) so has S2');
  t.equal(c.raft(1).log.committed, 1, '(a) not committed: 2 of 5');

  // (b) S1 crashes; S5 is elected with votes from S3, S4 and itself, and accepts different entries.
  c.stop(1);
  c.heal();
  electVotesOnly(c, 5);
  const t2 = c.raft(5).term;
  t.ok(t2 > t1);
  c.isolate(5);
  c.propose(5, 'y');
  t.same(logTerms(c.raft(5)), [t2, t2], '(b) S5 has entries of its own term at 2 and 3');
  t.same(logTerms(c.raft(3)), [], '(b) S3 has none');

  // (c) S5 crashes; S1 restarts, is elected, and continues replication: the old entries reach a
  // majority (S1..S4), but S1's entry of its new term (index 4) stays on S1 alone.
  c.stop(5);
  c.heal();
  c.restart(1);
  electVotesOnly(c, 1);
  const t3 = c.raft(1).term;
  t.ok(t3 > t2);
  c.drop = (m) => m.from === 1 && m.type === MessageType.App && m.entries.some((e) => e.index >= 4) && c.raft(m.to).log.lastIndex() >= 3;
  c.run(5);
  for (const id of [1, 2, 3, 4]) t.same(logTerms(c.raft(id)).slice(0, 2), [t1, t1], `(c) S${id} holds the term-${t1} entries`);
  t.same(logTerms(c.raft(1)), [t1, t1, t3]);
  t.equal(c.raft(1).prs.committed(), 3, '(c) the leader knows a majority holds index 3');
  t.equal(c.raft(1).log.committed, 1, '(c) ...and still does not commit it: it is not of the current term');
  for (const id of [1, 2, 3, 4]) t.same(c.appliedText(id), [], `(c) S${id} applied nothing`);
  return c;
}

t.test('§5.4.2 Figure 8 (a)-(d): an entry of an earlier term on a majority is not committed, and may be overwritten', async (t) => {
  const c = figure8(t);
  // (d) S1 crashes; S5 can be elected (by S2, S3, S4) and overwrites index 2 and 3 everywhere.
  c.drop = () => false;
  c.stop(1);
  c.restart(5);
  electVotesOnly(c, 5);
  c.stabilize();
  const t4 = c.raft(5).term;
  for (const id of [2, 3, 4]) {
    t.equal(logTerms(c.raft(id))[1], logTerms(c.raft(5))[1], `(d) S${id} now has S5's entry at 3`);
    t.same(c.appliedText(id), ['y'], `(d) S${id} applied S5's entry`);
  }
  c.restart(1);
  c.run(5);
  t.equal(logTerms(c.raft(1)).at(-1), t4, 'S1 is brought in line too');
  t.same(c.appliedText(1), ['y'], '...and never applied x');
});

t.test('§5.4.2 Figure 8 (e): once an entry of the current term is on a majority, it and the earlier ones commit and survive', async (t) => {
  const c = figure8(t);
  // (e) S1 replicates its term's entry to a majority before crashing.
  c.drop = () => false;
  c.run(3);
  t.equal(c.raft(1).log.committed, 4, '(e) the current-term entry committed, and 2..3 with it');
  for (const id of [1, 2, 3, 4]) t.same(c.appliedText(id), ['x']);
  c.stop(1);
  c.restart(5);
  t.throws(() => electVotesOnly(c, 5), /could not be elected/, '(e) S5 cannot win: its log is behind a majority');
  let n = 0;
  while (!c.leader() && n++ < 100) c.run(1);
  t.ok(c.leader() && c.leader()!.id !== 5, 'someone else leads');
  c.run(5);
  for (const id of [2, 3, 4, 5]) t.same(c.appliedText(id), ['x'], `S${id}`);
});

t.test('§5.3 an entry is committed once the leader has replicated it on a majority (and not before)', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  const base = c.raft(1).log.committed;
  c.stop(3);
  c.stop(4);
  c.stop(5);
  c.propose(1, 'a');
  t.equal(c.raft(1).log.committed, base, '2 of 5 is not enough');
  t.same(c.appliedText(1), []);
  c.down.delete(3);
  c.run(2);
  t.equal(c.raft(1).log.committed, base + 1, '3 of 5 is');
  t.same(c.appliedText(1), ['a']);
  t.same(c.appliedText(3), ['a']);
  t.same(c.appliedText(4), [], 'a stopped node applied nothing');
});

t.test('§5.3 followers learn the commit index from appends, never beyond the last entry the append covered', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1, 1], hardState: { term: 2, vote: 0, commit: 1 } });
  // The leader has committed up to 10 but this append only proves 2..3 match.
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 2, index: 1, logTerm: 1, entries: [ent(2, 1, '2@1'), ent(3, 1, '3@1')], commit: 10 }));
  t.equal(r.log.committed, 3, 'commit = min(leader commit, last new entry)');
  // Entry 4 may differ from the leader's: it is not committed by an append that does not cover it.
  t.equal(r.log.lastIndex(), 4);
  // A rejected append teaches nothing about the commit index.
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 2, index: 4, logTerm: 2, entries: [], commit: 10 }));
  t.equal(drain(r).at(-1)!.reject, true);
  t.equal(r.log.committed, 3);
  // A heartbeat's commit is bounded by the follower's log.
  r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 10 }));
  t.equal(r.log.committed, 4);
  // The commit index never goes backwards.
  r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 2 }));
  t.equal(r.log.committed, 4);
});

t.test('heartbeats never tell a follower to commit beyond what it is known to hold', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b', 'c');
  const match3 = c.raft(1).prs.progress.get(3)!.match;
  t.ok(c.raft(1).log.committed > match3);
  c.sent = [];
  c.tickAll(1);
  c.processReady();
  const hb = c.sent.filter((m) => m.type === MessageType.Heartbeat);
  t.equal(hb.find((m) => m.to === 3)!.commit, match3);
  t.equal(hb.find((m) => m.to === 2)!.commit, c.raft(1).log.committed);
  c.heal();
  c.run(3);
  t.same(c.appliedText(3), ['a', 'b', 'c']);
});

t.test('committed entries are handed out once, in order, bounded by maxCommittedBytesPerReady', async (t) => {
  const c = new TestCluster([1], { maxCommittedBytesPerReady: 100 });
  c.elect(1);
  const node = c.get(1).node;
  for (let i = 0; i < 10; i++) node.propose(data(`${i}`.padEnd(30, '.')));
  const batches: number[][] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    c.handleReady(c.get(1), rd);
    if (rd.committedEntries.length > 0) batches.push(rd.committedEntries.map((e) => e.index));
    node.advance(rd);
  }
  t.same(batches.flat(), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'each once, in order');
  t.ok(batches.length >= 4, `split over ${batches.length} Readys`);
  for (const b of batches) t.ok(b.length <= 2, 'at most 100 bytes (54 per entry) unless a single entry');
  t.equal(node.status().applied, 12);
});

t.test('the commit index is part of the persisted hard state', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  for (const id of [1, 2, 3]) t.equal(c.get(id).storage.initialState().hardState.commit, 3, `node ${id}`);
});

t.test('a leader commits only entries of its term even when its quorum index moves (unit)', async (t) => {
  // A leader at term 3 whose log holds entries of term 2 at 2..3.
  const { r } = newRaft(1, { voters: [1, 2, 3], terms: [2, 2], hardState: { term: 2, vote: 0, commit: 1 }, opts: { preVote: false } });
  r.campaign('election');
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 3 }));
  t.equal(r.role, Role.Leader);
  drain(r);
  r.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 3 }));
  t.equal(r.log.committed, 1, 'index 3 (term 2) on a majority: not committed');
  r.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 4 }));
  t.equal(r.log.committed, 4, 'index 4 (term 3) on a majority: 2..4 committed');
});

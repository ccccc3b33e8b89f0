// Check-quorum (§6.2 of Ongaro's thesis: "a leader in Raft steps down if an election timeout
// elapses without a successful round of heartbeats to a majority of its cluster") and the
// lease that comes with it (§4.2.3: "if a server receives a RequestVote request within the
// minimum election timeout of hearing from a current leader, it does not update its term or
// grant its vote").
import t from 'tap';
import { CAMPAIGN_TRANSFER, MessageType, Role } from '../src/index.js';
import { drain, msg, newRaft, TestCluster, ticksUntil } from './helpers.js';

t.test('§6.2 a leader cut off from a majority steps down within two election timeouts', async (t) => {
  for (let seed = 1; seed <= 5; seed++) {
    const c = new TestCluster([1, 2, 3], {}, seed);
    c.elect(1);
    c.run(7); // some time into the leader's term
    c.isolate(1);
    let n = 0;
    while (c.raft(1).role === Role.Leader) {
      c.tick(1);
      c.stabilize();
      n++;
      if (n > 100) break;
    }
    t.ok(n >= 10 && n <= 20, `seed ${seed}: stepped down after ${n} ticks`);
    t.equal(c.raft(1).role, Role.Follower);
  }
});

t.test('a leader that hears from a quorum stays leader', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  c.stop(4);
  c.stop(5);
  c.run(200);
  t.equal(c.raft(1).role, Role.Leader);
});

t.test('learners do not count towards check-quorum', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5], {}, 1, [4, 5]);
  c.elect(1);
  c.isolate(2);
  c.isolate(3);
  c.run(25);
  t.equal(c.raft(1).role, Role.Follower, 'two active learners are not a quorum');
});

t.test('without check-quorum an isolated leader stays leader (contrast)', async (t) => {
  const c = new TestCluster([1, 2, 3], { checkQuorum: false, preVote: false });
  c.elect(1);
  c.isolate(1);
  c.tick(1, 100);
  t.equal(c.raft(1).role, Role.Leader);
});

t.test('§4.2.3 a follower that hears from a leader ignores vote requests', async (t) => {
  for (const type of [MessageType.Vote, MessageType.PreVote]) {
    const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 2, vote: 0, commit: 1 } });
    r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1 }));
    drain(r);
    r.step(msg({ type, from: 3, to: 2, term: 3, index: 100, logTerm: 2 }));
    t.same(drain(r), [], `${MessageType[type]}: no answer`);
    t.equal(r.term, 2, 'term unchanged');
    t.equal(r.lead, 1, 'still follows its leader');
  }
});

t.test('the leader itself ignores disruptive vote requests while it has a quorum', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const term = c.raft(1).term;
  c.get(1).node.step(msg({ type: MessageType.Vote, from: 3, to: 1, term: term + 1, index: 100, logTerm: term }));
  c.processReady();
  t.equal(c.raft(1).role, Role.Leader);
  t.equal(c.raft(1).term, term);
});

t.test('...but a transfer campaign (TimeoutNow) is not disruptive and is answered', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1 }));
  drain(r);
  r.step(msg({ type: MessageType.Vote, from: 3, to: 2, term: 3, index: 1, logTerm: 1, context: CAMPAIGN_TRANSFER }));
  t.same(drain(r).map((m) => [m.type, m.term, m.reject]), [[MessageType.VoteResp, 3, false]]);
  t.equal(r.term, 3);
  t.equal(r.vote, 3);
});

t.test('once the lease has run out (an election timeout without a leader) votes are considered', async (t) => {
  // Find a seed whose first randomized timeout is above electionTicks, so the follower does
  // not campaign itself while the lease runs out.
  let seed = 1;
  for (; seed < 100; seed++) {
    const twin = newRaft(2, { voters: [1, 2, 3], seed, hardState: { term: 2, vote: 0, commit: 1 } }).r;
    twin.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1 }));
    if (ticksUntil(twin, () => twin.role !== Role.Follower) > 10) break;
  }
  const { r } = newRaft(2, { voters: [1, 2, 3], seed, hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1 }));
  drain(r);
  for (let i = 0; i < 9; i++) r.tick();
  r.step(msg({ type: MessageType.Vote, from: 3, to: 2, term: 3, index: 1, logTerm: 1 }));
  t.same(drain(r), [], 'still in lease after 9 ticks');
  r.tick();
  r.step(msg({ type: MessageType.Vote, from: 3, to: 2, term: 3, index: 1, logTerm: 1 }));
  t.same(drain(r).map((m) => [m.type, m.reject]), [[MessageType.VoteResp, false]], 'granted after 10');
  t.equal(r.term, 3);
});

t.test('a stale leader learns the new term from the followers\' answers and steps down', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const old = c.raft(1).term;
  c.isolate(1);
  // The majority elects a new leader; the old one does not tick, so it does not notice.
  c.stop(1);
  let n = 0;
  while (!c.leader() && n++ < 100) c.run(1);
  const lead = c.leader()!;
  t.not(lead.id, 1);
  c.down.delete(1);
  c.heal();
  t.equal(c.raft(1).role, Role.Leader, 'still thinks it leads');
  c.tick(1);
  c.stabilize();
  t.equal(c.raft(1).role, Role.Follower);
  t.ok(c.raft(1).term > old);
  c.run(5);
  t.equal(c.raft(1).lead, lead.id);
  t.equal(c.leaders().length, 1);
});

t.test('a minority-partitioned leader is replaced by the majority, which then serves writes', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  c.propose(1, 'a');
  c.partition([1, 2], [3, 4, 5]);
  c.run(60);
  const lead = c.leaders().filter((tn) => tn.id >= 3);
  t.equal(lead.length, 1, 'a leader in the majority');
  t.not(c.raft(1).role, Role.Leader, 'the old leader stepped down (check-quorum)');
  c.propose(lead[0]!.id, 'b');
  c.heal();
  c.run(30);
  for (const id of [1, 2, 3, 4, 5]) t.same(c.appliedText(id), ['a', 'b'], `node ${id}`);
});

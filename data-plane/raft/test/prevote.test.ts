// Pre-vote (§9.6 of Ongaro's thesis): "a candidate would first ask other servers whether its
// log was up-to-date enough to get their vote. Only if the candidate believed it could get
// votes from a majority of the cluster would it increment its term and start a normal election."
import t from 'tap';
import { MessageType, NONE, Role } from '../src/index.js';
import { drain, msg, newRaft, TestCluster, ticks, ticksUntil, types } from './helpers.js';

t.test('a pre-candidate changes neither its term nor its vote, and asks about the next term', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], hardState: { term: 3, vote: 2, commit: 1 } });
  r.campaign('pre-election');
  t.equal(r.role, Role.PreCandidate);
  t.equal(r.term, 3);
  t.equal(r.vote, 2);
  const ms = drain(r);
  t.same(types(ms), ['PreVote->2', 'PreVote->3']);
  for (const m of ms) t.equal(m.term, 4, 'the term it would campaign in');
});

t.test('a voter grants a pre-vote without changing its own term or vote', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 3, vote: 3, commit: 1 } });
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 4, index: 1, logTerm: 1 }));
  const ms = drain(r);
  t.same(ms.map((m) => [m.type, m.term, m.reject]), [[MessageType.PreVoteResp, 4, false]]);
  t.equal(r.term, 3);
  t.equal(r.vote, 3);
});

t.test('pre-vote is refused to a candidate whose log is behind (§5.4.1 applies to pre-votes)', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [2, 2], hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 3, index: 2, logTerm: 2 }));
  const ms = drain(r);
  t.same(ms.map((m) => [m.type, m.term, m.reject]), [[MessageType.PreVoteResp, 2, true]], 'rejects with its own term');
  t.equal(r.term, 2);
});

t.test('pre-vote of a stale term is refused and tells the candidate the current term', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 5, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 3, index: 1, logTerm: 1 }));
  t.same(drain(r).map((m) => [m.type, m.term, m.reject]), [[MessageType.PreVoteResp, 5, true]]);
  // The pre-candidate adopts the newer term and gives up.
  const c = newRaft(1, { voters: [1, 2, 3], hardState: { term: 2, vote: 0, commit: 1 } }).r;
  c.campaign('pre-election');
  c.step(msg({ type: MessageType.PreVoteResp, from: 2, to: 1, term: 5, reject: true }));
  t.equal(c.role, Role.Follower);
  t.equal(c.term, 5);
});

t.test('winning the pre-vote starts a real election in the next term', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3, 4, 5], hardState: { term: 2, vote: 0, commit: 1 } });
  r.campaign('pre-election');
  drain(r);
  r.step(msg({ type: MessageType.PreVoteResp, from: 2, to: 1, term: 3 }));
  t.equal(r.role, Role.PreCandidate);
  t.equal(r.term, 2);
  r.step(msg({ type: MessageType.PreVoteResp, from: 3, to: 1, term: 3 }));
  t.equal(r.role, Role.Candidate);
  t.equal(r.term, 3);
  t.equal(r.vote, 1);
  t.same(types(drain(r)), ['Vote->2', 'Vote->3', 'Vote->4', 'Vote->5']);
  // A late pre-vote answer is ignored by the candidate.
  r.step(msg({ type: MessageType.PreVoteResp, from: 4, to: 1, term: 3 }));
  t.equal(r.role, Role.Candidate);
});

t.test('losing the pre-vote returns to follower with the term unchanged', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], hardState: { term: 2, vote: 0, commit: 1 } });
  r.campaign('pre-election');
  r.step(msg({ type: MessageType.PreVoteResp, from: 2, to: 1, term: 2, reject: true }));
  r.step(msg({ type: MessageType.PreVoteResp, from: 3, to: 1, term: 2, reject: true }));
  t.equal(r.role, Role.Follower);
  t.equal(r.term, 2);
  t.equal(r.vote, NONE);
});

t.test('granting a pre-vote does not reset the election timer; granting a vote does', async (t) => {
  const seed = 11;
  const twin = newRaft(2, { voters: [1, 2, 3], seed, opts: { preVote: false } }).r;
  const n = ticksUntil(twin, () => twin.role !== Role.Follower);
  for (const type of [MessageType.PreVote, MessageType.Vote]) {
    const { r } = newRaft(2, { voters: [1, 2, 3], seed, opts: { preVote: false } });
    ticks(r, n - 1);
    // A pre-vote leaves the term alone; a vote for the current term would too, so use term 0's
    // successor for both: the vote moves the term to 1 and resets the timer with it.
    r.step(msg({ type, from: 1, to: 2, term: 1, index: 1, logTerm: 1 }));
    t.equal(drain(r)[0]!.reject, false);
    r.tick();
    if (type === MessageType.PreVote) t.equal(r.role, Role.Candidate, 'campaigns on schedule after a pre-vote');
    else t.equal(r.role, Role.Follower, 'a granted vote restarts the timeout');
  }
});

t.test('§9.6 a partitioned server that rejoins does not disrupt the cluster', async (t) => {
  for (const checkQuorum of [false, true]) {
    const c = new TestCluster([1, 2, 3], { preVote: true, checkQuorum });
    c.elect(1);
    const term = c.raft(1).term;
    c.isolate(3);
    c.propose(1, 'a', 'b'); // the rest of the cluster moves on: 3's log falls behind
    c.run(100); // 3 keeps timing out and pre-campaigning
    t.equal(c.raft(3).term, term, `checkQuorum ${checkQuorum}: the isolated node's term did not grow`);
    t.ok(c.sent.some((m) => m.from === 3 && m.type === MessageType.PreVote), 'it did try');
    t.notOk(c.sent.some((m) => m.from === 3 && m.type === MessageType.Vote), 'but never started a real election');
    c.heal();
    c.run(30);
    t.equal(c.leader()?.id, 1, 'the leader was not deposed');
    t.equal(c.raft(1).term, term, 'the cluster term is unchanged');
    t.same(c.appliedText(3), ['a', 'b'], 'and the node caught up');
  }
});

t.test('without pre-vote (and check-quorum) a rejoining server deposes the leader: the problem §9.6 solves', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false, checkQuorum: false });
  c.elect(1);
  const term = c.raft(1).term;
  c.isolate(3);
  c.propose(1, 'a');
  c.run(100);
  t.ok(c.raft(3).term > term + 2, 'the isolated node inflated its term');
  c.heal();
  c.run(50);
  t.ok(c.raft(1).term > term, 'the cluster term was bumped');
  t.same(c.appliedText(1), ['a'], 'no committed entry was lost');
});

t.test('pre-vote refused at term 0: the voter stays silent instead of crashing (regression)', async (t) => {
  // A node that never took part in an election has term 0 and no term to reject with. Before
  // the fix, refusing a pre-vote there tripped the "vote message without a term" assertion.
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1] });
  t.equal(r.term, 0);
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 1, index: 1, logTerm: 1 }));
  t.same(drain(r), []);
  t.equal(r.term, 0);
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 1, index: 3, logTerm: 1 }));
  t.same(drain(r).map((m) => [m.type, m.term, m.reject]), [[MessageType.PreVoteResp, 1, false]], 'an up-to-date one is granted');
});

t.test('a transfer campaign skips pre-vote', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1 }));
  drain(r);
  r.step(msg({ type: MessageType.TimeoutNow, from: 1, to: 2, term: 2 }));
  t.equal(r.role, Role.Candidate);
  t.equal(r.term, 3);
  t.same(types(drain(r)), ['Vote->1', 'Vote->3']);
});

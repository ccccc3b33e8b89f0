// Leader election (§5.2 of the Raft paper, §3.4 of Ongaro's thesis) and the election
// restriction (§5.4.1).
import t from 'tap';
import { CAMPAIGN_TRANSFER, EntryType, MessageType, NONE, Role } from '../src/index.js';
import { drain, msg, newRaft, TestCluster, ticks, ticksUntil, types } from './helpers.js';

const noPreVote = { preVote: false };

t.test('§5.2 "If a follower receives no communication over a period of time called the election timeout, then it ... begins an election"', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote });
  ticks(r, 9);
  t.equal(r.role, Role.Follower, 'no election before electionTicks');
  t.same(drain(r), []);
  const n = 9 + ticksUntil(r, () => r.role !== Role.Follower);
  t.ok(n >= 10 && n < 20, `timed out after ${n} ticks, within [electionTicks, 2*electionTicks)`);
  t.equal(r.role, Role.Candidate);
  // "To begin an election, a follower increments its current term and transitions to
  // candidate state. It then votes for itself and issues RequestVote RPCs in parallel."
  t.equal(r.term, 1);
  t.equal(r.vote, 1);
  const ms = drain(r);
  t.same(types(ms), ['Vote->2', 'Vote->3']);
  for (const m of ms) {
    t.equal(m.term, 1);
    t.equal(m.index, 1, 'carries the last log index');
    t.equal(m.logTerm, 1, 'carries the last log term');
  }
});

t.test('§5.2 "Raft uses randomized election timeouts ... chosen randomly from a fixed interval"', async (t) => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote, seed });
    const n = ticksUntil(r, () => r.role === Role.Candidate);
    t.ok(n >= 10 && n < 20, `seed ${seed}: ${n} ticks`);
    seen.add(n);
  }
  t.ok(seen.size >= 5, `timeouts are spread out (${[...seen].sort((a, b) => a - b).join(',')})`);
  // The same seed gives the same timeout: the core's only randomness is injected.
  const a = newRaft(1, { voters: [1, 2, 3], seed: 7 }).r;
  const b = newRaft(1, { voters: [1, 2, 3], seed: 7 }).r;
  t.equal(
    ticksUntil(a, () => a.role !== Role.Follower),
    ticksUntil(b, () => b.role !== Role.Follower),
  );
});

t.test('§5.2 a candidate that neither wins nor loses times out and starts a new election with a higher term', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote });
  r.campaign('election');
  t.equal(r.term, 1);
  drain(r);
  ticksUntil(r, () => r.term === 2);
  t.equal(r.role, Role.Candidate);
  t.equal(r.vote, 1);
  t.same(types(drain(r)), ['Vote->2', 'Vote->3']);
});

t.test('§5.2 "Each server will vote for at most one candidate in a given term, on a first-come-first-served basis"', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote });
  const vote = (from: number, term: number) => {
    r.step(msg({ type: MessageType.Vote, from, to: 1, term, index: 1, logTerm: 1 }));
    const ms = drain(r);
    t.equal(ms.length, 1);
    t.equal(ms[0]!.type, MessageType.VoteResp);
    return !ms[0]!.reject;
  };
  t.ok(vote(2, 2), 'grants the first candidate of term 2');
  t.equal(r.vote, 2);
  t.equal(r.term, 2);
  t.notOk(vote(3, 2), 'refuses a second candidate in term 2');
  t.equal(r.vote, 2, 'the vote is unchanged');
  t.ok(vote(2, 2), 'a retried request from the same candidate is granted again');
  t.ok(vote(3, 3), 'a new term is a new vote');
  t.equal(r.vote, 3);
});

t.test('§5.2 a vote survives a restart (it is part of the persistent state)', async (t) => {
  const c = new TestCluster([1, 2, 3], noPreVote);
  c.isolate(1);
  c.get(1).node.step(msg({ type: MessageType.Vote, from: 2, to: 1, term: 5, index: 1, logTerm: 1 }));
  c.processReady();
  t.same(c.get(1).storage.initialState().hardState, { term: 5, vote: 2, commit: 1 });
  const tn = c.restart(1);
  t.equal(tn.node.raft.term, 5);
  t.equal(tn.node.raft.vote, 2);
  tn.node.step(msg({ type: MessageType.Vote, from: 3, to: 1, term: 5, index: 1, logTerm: 1 }));
  const rd = tn.node.ready();
  t.same(
    rd.messages.map((m) => [m.type, m.reject]),
    [[MessageType.VoteResp, true]],
    'the restarted node does not vote again in term 5',
  );
  tn.node.advance(rd);
});

t.test('§5.4.1 "the voter denies its vote if its own log is more up-to-date than that of the candidate"', async (t) => {
  // The voter's log ends at (index 4, term 2).
  const cases: [lastIndex: number, lastTerm: number, granted: boolean, why: string][] = [
    [4, 2, true, 'same last entry'],
    [5, 2, true, 'same last term, longer'],
    [3, 2, false, 'same last term, shorter'],
    [2, 3, true, 'higher last term, even though shorter'],
    [10, 1, false, 'lower last term, even though longer'],
  ];
  for (const type of [MessageType.Vote, MessageType.PreVote]) {
    for (const [index, logTerm, granted, why] of cases) {
      const { r } = newRaft(1, { voters: [1, 2, 3], terms: [1, 1, 2], hardState: { term: 2, vote: 0, commit: 1 } });
      r.step(msg({ type, from: 2, to: 1, term: 3, index, logTerm }));
      const ms = drain(r);
      t.equal(ms.length, 1);
      t.equal(ms[0]!.reject, !granted, `${MessageType[type]}: ${why}`);
      if (type === MessageType.Vote) t.equal(r.vote, granted ? 2 : NONE);
    }
  }
});

t.test('§5.2 "A candidate wins an election if it receives votes from a majority of the servers"', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3, 4, 5], opts: noPreVote });
  r.campaign('election');
  drain(r);
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1 }));
  t.equal(r.role, Role.Candidate, '2 of 5 is no majority');
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1 }));
  t.equal(r.role, Role.Candidate, 'a duplicated vote counts once');
  r.step(msg({ type: MessageType.VoteResp, from: 3, to: 1, term: 1, reject: true }));
  t.equal(r.role, Role.Candidate);
  r.step(msg({ type: MessageType.VoteResp, from: 4, to: 1, term: 1 }));
  t.equal(r.role, Role.Leader, '3 of 5 wins');
  t.equal(r.lead, 1);
  // "Once a candidate wins an election, it becomes leader. It then sends heartbeat messages
  // to all of the other servers to establish its authority": here an append with its no-op.
  t.same(types(drain(r)), ['App->2', 'App->3', 'App->4', 'App->5']);
});

t.test('§5.2 a candidate that a majority rejects returns to follower', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote });
  r.campaign('election');
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1, reject: true }));
  t.equal(r.role, Role.Candidate);
  r.step(msg({ type: MessageType.VoteResp, from: 3, to: 1, term: 1, reject: true }));
  t.equal(r.role, Role.Follower);
  t.equal(r.term, 1, 'keeps its term');
  t.equal(r.vote, 1, 'and its vote');
});

t.test('§5.2 "If the leader\'s term is at least as large as the candidate\'s current term, then the candidate recognizes the leader as legitimate and returns to follower state"', async (t) => {
  for (const type of [MessageType.App, MessageType.Heartbeat]) {
    for (const preVote of [false, true]) {
      const { r } = newRaft(1, { voters: [1, 2, 3], opts: { preVote }, hardState: { term: 1, vote: 0, commit: 1 } });
      r.campaign(preVote ? 'pre-election' : 'election');
      const term = r.term; // a pre-candidate keeps its term
      t.equal(r.role, preVote ? Role.PreCandidate : Role.Candidate);
      drain(r);
      r.step(msg({ type, from: 2, to: 1, term, index: 1, logTerm: 1, commit: 1 }));
      t.equal(r.role, Role.Follower, `${MessageType[type]} (preVote ${preVote})`);
      t.equal(r.lead, 2);
      t.equal(r.term, term);
      const ms = drain(r);
      t.equal(ms.length, 1);
      t.equal(ms[0]!.type, type === MessageType.App ? MessageType.AppResp : MessageType.HeartbeatResp);
    }
  }
});

t.test('§5.2 "If the term in the RPC is smaller than the candidate\'s current term, then the candidate rejects the RPC and continues in candidate state"', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote, hardState: { term: 4, vote: 0, commit: 1 } });
  r.campaign('election');
  drain(r);
  r.step(msg({ type: MessageType.App, from: 2, to: 1, term: 3, index: 1, logTerm: 1, entries: [{ index: 2, term: 3, type: EntryType.Normal, data: new Uint8Array([1]) }] }));
  t.equal(r.role, Role.Candidate);
  t.equal(r.term, 5);
  t.equal(r.log.lastIndex(), 1, 'the stale entries are not appended');
  const ms = drain(r);
  // With check-quorum / pre-vote on, the stale leader is told the newer term.
  t.same(
    ms.map((m) => [m.type, m.term]),
    [[MessageType.AppResp, 5]],
  );
});

t.test('§5.1 "If a candidate or leader discovers that its term is out of date, it immediately reverts to follower state"', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote });
  r.campaign('election');
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1 }));
  t.equal(r.role, Role.Leader);
  r.step(msg({ type: MessageType.AppResp, from: 3, to: 1, term: 7, index: 0 }));
  t.equal(r.role, Role.Follower);
  t.equal(r.term, 7);
  t.equal(r.vote, NONE);
  t.equal(r.lead, NONE);
});

t.test('§5.1 messages of an older term are ignored ("If a server receives a request with a stale term number, it rejects the request")', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: noPreVote, hardState: { term: 3, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.Vote, from: 2, to: 1, term: 2, index: 9, logTerm: 9 }));
  t.equal(r.vote, NONE, 'no vote for a stale candidate');
  t.same(drain(r), []);
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 2 }));
  t.equal(r.role, Role.Follower);
});

t.test('§5.2 split votes are resolved by randomized timeouts', async (t) => {
  for (let seed = 1; seed <= 5; seed++) {
    const c = new TestCluster([1, 2, 3, 4], noPreVote, seed);
    // 1 and 2 campaign at once; 3 hears 1 first and 4 hears 2 first: 2 votes each, no majority.
    c.get(1).node.campaign();
    c.get(2).node.campaign();
    c.drop = (m) => m.type === MessageType.Vote && ((m.from === 1 && m.to === 4) || (m.from === 2 && m.to === 3));
    c.stabilize();
    t.equal(c.leaders().length, 0, `seed ${seed}: the vote is split`);
    t.equal(c.raft(1).role, Role.Candidate);
    t.equal(c.raft(2).role, Role.Candidate);
    c.drop = () => false;
    let rounds = 0;
    while (c.leaders().length === 0 && rounds++ < 200) c.run(1);
    const leaders = c.leaders();
    t.equal(leaders.length, 1, `seed ${seed}: one leader after ${rounds} ticks`);
    const lead = leaders[0]!;
    t.ok(lead.node.raft.term >= 2);
    for (const tn of c.nodes.values()) t.equal(tn.node.raft.lead, lead.id);
  }
});

t.test('a single-node cluster elects itself and commits at once', async (t) => {
  for (const preVote of [true, false]) {
    const c = new TestCluster([1], { preVote });
    let n = 0;
    while (c.raft(1).role !== Role.Leader && n++ < 30) c.run(1);
    t.equal(c.raft(1).role, Role.Leader, `preVote ${preVote}: leader by ticking alone`);
    t.equal(c.raft(1).term, 1);
    t.equal(c.sent.length, 0, 'no messages');
    c.propose(1, 'a');
    t.same(c.appliedText(1), ['a']);
    t.equal(c.raft(1).log.committed, 3);
  }
});

t.test('a learner never campaigns', async (t) => {
  const c = new TestCluster([1, 2, 3, 4], {}, 1, [4]);
  c.isolate(4);
  c.tick(4, 100);
  c.processReady();
  t.equal(c.raft(4).role, Role.Follower);
  t.equal(c.raft(4).term, 0);
  c.get(4).node.campaign();
  c.get(4).node.step(msg({ type: MessageType.TimeoutNow, from: 1, to: 4, term: 0 }));
  c.processReady();
  t.equal(c.raft(4).role, Role.Follower);
  t.same(c.sent.filter((m) => m.from === 4), [], 'it sent nothing');
  // Nor does a voter's vote request go to a learner.
  c.heal();
  c.elect(1);
  t.notOk(c.sent.some((m) => m.to === 4 && (m.type === MessageType.Vote || m.type === MessageType.PreVote)));
  t.equal(c.raft(4).lead, 1, 'the learner follows the leader');
});

t.test('§5.2 "Leaders send periodic heartbeats ... to all followers in order to maintain their authority"', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const term = c.raft(1).term;
  c.sent = [];
  c.run(200);
  t.equal(c.leader()?.id, 1);
  t.equal(c.raft(1).term, term, 'no election happened');
  const hb = c.sent.filter((m) => m.type === MessageType.Heartbeat);
  t.equal(hb.length, 400, 'one heartbeat per follower per heartbeatTicks');
  t.notOk(c.sent.some((m) => m.type === MessageType.Vote || m.type === MessageType.PreVote));
});

t.test('§5.4.2 a new leader appends an empty entry of its own term', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const r = c.raft(1);
  const last = r.log.allEntries().at(-1)!;
  t.equal(last.term, r.term);
  t.equal(last.type, EntryType.Normal);
  t.equal(last.data.byteLength, 0);
  t.equal(r.log.committed, last.index, 'committed once a majority has it');
});

t.test('campaigning is deterministic given the seed (no hidden randomness)', async (t) => {
  const trace = (seed: number) => {
    const c = new TestCluster([1, 2, 3, 4, 5], {}, seed);
    c.run(60);
    return c.sent.map((m) => `${m.type}:${m.from}>${m.to}@${m.term}`).join(' ');
  };
  t.equal(trace(3), trace(3));
});

t.test('a vote request with the transfer context is still an ordinary vote for the log check', async (t) => {
  // A transfer campaign may disrupt a lease, but never bypasses the election restriction.
  const { r } = newRaft(1, { voters: [1, 2, 3], terms: [2], hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.Vote, from: 2, to: 1, term: 3, index: 5, logTerm: 1, context: CAMPAIGN_TRANSFER }));
  t.equal(drain(r)[0]!.reject, true);
  t.equal(r.vote, NONE);
});

// Log replication (§5.3 of the Raft paper, §3.5 of Ongaro's thesis), flow control and
// proposal handling.
import t from 'tap';
import { entrySize, MessageType, ProgressState, type RaftError, Role } from '../src/index.js';
import { data, drain, ent, logTerms, msg, newRaft, TestCluster, text, type RaftSetup } from './helpers.js';

/** Figure 7 of the paper: the leader's log and the logs (a)-(f) a follower may have. Index 1 is the snapshot. */
const FIG7_LEADER = [1, 1, 4, 4, 5, 5, 6, 6, 6]; // indexes 2..10
const FIG7: Record<string, number[]> = {
  a: [1, 1, 4, 4, 5, 5, 6, 6], // missing entries
  b: [1, 1, 4], // missing many entries
  c: [1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // an extra uncommitted entry
  d: [1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // extra entries of a later term
  e: [1, 1, 4, 4, 4, 4], // missing entries and extra ones
  f: [1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // a leader of terms 2 and 3 that never committed
};

/** Node 1 leads term 8 with `leaderTerms`; node 2 holds `followerTerms`; node 3 copies the leader. */
function divergent(leaderTerms: number[], followerTerms: number[], term: number, opts: RaftSetup['opts'] = {}): TestCluster {
  const c = new TestCluster([]);
  const voters = [1, 2, 3];
  const hardState = { term, vote: 0, commit: 1 };
  c.addWithLog(1, { voters, terms: leaderTerms, hardState, opts });
  c.addWithLog(2, { voters, terms: followerTerms, hardState, opts });
  c.addWithLog(3, { voters, terms: leaderTerms, hardState, opts });
  c.elect(1);
  return c;
}

t.test('§5.3 Figure 7: the leader brings every kind of divergent follower log into agreement with its own', async (t) => {
  for (const [name, follower] of Object.entries(FIG7)) {
    const c = divergent(FIG7_LEADER, follower, 7);
    t.equal(c.raft(1).role, Role.Leader, `(${name}) node 1 leads`);
    t.equal(c.raft(1).term, 8);
    t.same(logTerms(c.raft(2)), [...FIG7_LEADER, 8], `(${name}) follower log == leader log`);
    t.same(c.appliedText(2), c.appliedText(1), `(${name}) same state machine`);
    const rejects = c.sent.filter((m) => m.from === 2 && m.type === MessageType.AppResp && m.reject);
    t.ok(rejects.length <= 1, `(${name}) ${rejects.length} rejection(s) with fast backtracking`);
  }
});

t.test('§5.3 "the follower ... refuses the new entries" when it does not have the entry preceding them', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 2], hardState: { term: 2, vote: 0, commit: 1 } });
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 3, index: 3, logTerm: 3, entries: [ent(4, 3, 'x')], commit: 4 }));
  const [m] = drain(r);
  t.equal(m!.type, MessageType.AppResp);
  t.equal(m!.reject, true);
  t.equal(m!.index, 3, 'names the rejected index');
  t.equal(m!.rejectHint, 3, 'hint: its entry at 3 may match');
  t.equal(m!.logTerm, 2, 'with that entry\'s term');
  t.same(logTerms(r), [1, 2], 'log unchanged');
  t.equal(r.log.committed, 1, 'commit unchanged');
});

t.test('§5.3 a follower deletes a conflicting entry and all that follow it, but keeps entries a stale append does not contradict', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [2, 2, 2, 2], hardState: { term: 3, vote: 0, commit: 1 } });
  // A stale (reordered) append that repeats a prefix must not truncate the log.
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 3, index: 2, logTerm: 2, entries: [ent(3, 2, '3@2')], commit: 1 }));
  t.same(logTerms(r), [2, 2, 2, 2]);
  t.equal(drain(r)[0]!.index, 3, 'acknowledges only what the message covered');
  // A conflicting entry at 4: 4 and 5 go, the leader's entries take their place.
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 3, index: 3, logTerm: 2, entries: [ent(4, 3, 'x')], commit: 4 }));
  t.same(logTerms(r), [2, 2, 3]);
  t.equal(r.log.committed, 4);
  t.equal(text(r.log.allEntries().at(-1)!), 'x');
});

t.test('fast backtracking: a long divergent log converges in a couple of round trips', async (t) => {
  const common = Array<number>(500).fill(1);
  const leader = [...common, ...Array<number>(500).fill(2)];
  const follower = [...common, ...Array<number>(1000).fill(3)]; // an uncommitted tail of a failed term-3 leader
  const c = divergent(leader, follower, 3);
  t.equal(c.raft(1).role, Role.Leader);
  t.same(logTerms(c.raft(2)), logTerms(c.raft(1)));
  const toFollower = c.sent.filter((m) => m.to === 2 && m.type === MessageType.App);
  const rejects = c.sent.filter((m) => m.from === 2 && m.type === MessageType.AppResp && m.reject);
  t.ok(rejects.length <= 2, `${rejects.length} rejections`);
  t.ok(toFollower.length <= 4, `${toFollower.length} appends`);

  // A follower that is merely behind names its last index and is caught up in one step.
  const lag = divergent(leader, common, 3);
  t.same(logTerms(lag.raft(2)), logTerms(lag.raft(1)));
  t.ok(lag.sent.filter((m) => m.from === 2 && m.reject).length <= 1);
});

t.test('in Probe the leader sends one append at a time', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.get(1).node.campaign();
  while (c.raft(1).role !== Role.Leader) c.deliver((m) => m.type !== MessageType.App);
  const first = c.take((m) => m.to === 2);
  t.same(first.map((m) => m.type), [MessageType.App], 'the probe with the no-op');
  t.equal(c.raft(1).prs.progress.get(2)!.state, ProgressState.Probe);
  for (const s of ['a', 'b', 'c']) c.get(1).node.propose(data(s));
  t.same(c.take((m) => m.to === 2), [], 'no further append while the probe is unanswered');
  // A heartbeat response is also a reason to probe again (the probe may have been lost).
  c.tick(1);
  c.deliver((m) => m.type === MessageType.Heartbeat && m.to === 2);
  c.deliver((m) => m.type === MessageType.HeartbeatResp && m.from === 2);
  const again = c.take((m) => m.to === 2 && m.type === MessageType.App);
  t.equal(again.length, 1, 'one probe after the heartbeat response');
  t.equal(again[0]!.entries.length, 4, 'carrying everything from next on');
  c.queue.push(...again);
  c.stabilize();
  t.equal(c.raft(1).prs.progress.get(2)!.state, ProgressState.Replicate, 'an accepted probe switches to Replicate');
  t.same(c.appliedText(2), ['a', 'b', 'c']);
});

t.test('in Replicate appends are pipelined up to maxInflightMsgs, pause when the window is full and resume on acks', async (t) => {
  const c = new TestCluster([1, 2, 3], { maxInflightMsgs: 3 });
  c.elect(1);
  c.stop(3);
  const pr = c.raft(1).prs.progress.get(2)!;
  t.equal(pr.state, ProgressState.Replicate);
  for (let i = 0; i < 6; i++) {
    c.get(1).node.propose(data(`p${i}`));
    c.processReady();
  }
  const held = c.take((m) => m.to === 2);
  const withEntries = held.filter((m) => m.entries.length > 0);
  t.equal(withEntries.length, 3, 'three appends in flight');
  t.same(withEntries.map((m) => m.entries.map((e) => e.index)), [[3], [4], [5]]);
  t.equal(pr.inflights.size(), 3);
  t.ok(pr.isPaused(), 'the window is full');
  // The first ack frees one slot: everything not yet sent goes out in one message.
  c.deliverMessage(withEntries[0]!);
  c.deliver((m) => m.to === 1);
  const next = c.take((m) => m.to === 2 && m.entries.length > 0);
  t.same(next.map((m) => m.entries.map((e) => e.index)), [[6, 7, 8]]);
  t.ok(pr.isPaused());
  for (const m of [...withEntries.slice(1), ...next]) c.deliverMessage(m);
  c.stabilize();
  t.equal(pr.match, 8);
  t.equal(pr.inflights.size(), 0);
  t.notOk(pr.isPaused());
});

t.test('a window full of lost appends does not stall replication (regression)', async (t) => {
  const c = new TestCluster([1, 2, 3], { maxInflightMsgs: 2 });
  c.elect(1);
  c.propose(1, 'x');
  c.drop = (m) => m.to === 2 && m.type === MessageType.App;
  for (let i = 0; i < 5; i++) c.get(1).node.propose(data(`p${i}`));
  c.stabilize();
  const pr = c.raft(1).prs.progress.get(2)!;
  t.ok(pr.isPaused(), 'every append in the window was lost');
  c.drop = () => false;
  c.run(3);
  t.equal(pr.match, c.raft(1).log.lastIndex(), 'a heartbeat response restarts the flow');
  t.same(c.appliedText(2), ['x', 'p0', 'p1', 'p2', 'p3', 'p4']);
});

t.test('maxSizePerMsgBytes splits appends (at least one entry each)', async (t) => {
  const limit = 300; // an entry of 100 bytes counts 124 with its header: two per message
  const c = new TestCluster([1, 2, 3], { maxSizePerMsgBytes: limit });
  c.elect(1);
  c.isolate(2);
  const payload = 'x'.repeat(100);
  for (let i = 0; i < 10; i++) c.propose(1, `${i}${payload}`.slice(0, 100));
  c.propose(1, 'y'.repeat(1000)); // larger than the limit: still sent, alone
  c.heal();
  c.sent = [];
  c.run(5);
  const apps = c.sent.filter((m) => m.to === 2 && m.type === MessageType.App && m.entries.length > 0);
  t.ok(apps.length >= 6, `${apps.length} appends`);
  for (const m of apps) {
    const size = m.entries.reduce((n, e) => n + entrySize(e), 0);
    t.ok(m.entries.length === 1 || size <= limit, `append of ${m.entries.length} entries, ${size} bytes`);
  }
  t.ok(apps.some((m) => m.entries.length === 1 && m.entries[0]!.data.byteLength === 1000));
  t.same(c.appliedText(2), c.appliedText(1));
  t.equal(c.appliedText(2).length, 11);
});

t.test('maxInflightBytes bounds the bytes in flight', async (t) => {
  const c = new TestCluster([1, 2, 3], { maxInflightBytes: 500 });
  c.elect(1);
  c.stop(3);
  for (let i = 0; i < 10; i++) {
    c.get(1).node.propose(data('z'.repeat(100)));
    c.processReady();
  }
  const held = c.take((m) => m.to === 2 && m.entries.length > 0);
  const bytes = held.reduce((n, m) => n + m.entries.reduce((k, e) => k + entrySize(e), 0), 0);
  t.equal(held.length, 5, 'stops once 500 bytes are in flight (5 x 124)');
  t.ok(bytes >= 500 && bytes < 500 + 124);
  for (const m of held) c.deliverMessage(m);
  c.stabilize();
  t.equal(c.raft(1).prs.progress.get(2)!.match, c.raft(1).log.lastIndex());
});

t.test('Unreachable moves a replicating follower back to Probe', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const pr = c.raft(1).prs.progress.get(2)!;
  t.equal(pr.state, ProgressState.Replicate);
  c.get(1).node.reportUnreachable(2);
  t.equal(pr.state, ProgressState.Probe);
  c.propose(1, 'a');
  c.run(2);
  t.equal(pr.state, ProgressState.Replicate);
  t.same(c.appliedText(2), ['a']);
});

t.test('proposals: forwarded by followers, refused without a leader or when forwarding is disabled', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  const code = (f: () => void) => {
    try {
      f();
      return 'ok';
    } catch (err) {
      return (err as RaftError).code;
    }
  };
  t.equal(code(() => c.get(2).node.propose(data('early'))), 'PROPOSAL_DROPPED', 'no leader yet');
  c.get(1).node.campaign();
  c.processReady();
  t.equal(c.raft(1).role, Role.PreCandidate);
  t.equal(code(() => c.get(1).node.propose(data('x'))), 'PROPOSAL_DROPPED', 'a pre-candidate has no leader');
  c.stabilize();
  c.propose(2, 'via-follower');
  c.propose(1, 'on-leader');
  for (const id of [1, 2, 3]) t.same(c.appliedText(id), ['via-follower', 'on-leader']);

  const d = new TestCluster([1, 2, 3], { disableProposalForwarding: true });
  d.elect(1);
  t.equal(code(() => d.get(2).node.propose(data('x'))), 'PROPOSAL_DROPPED');
  t.equal(code(() => d.get(1).node.propose(data('y'))), 'ok');
});

t.test('maxUncommittedEntriesBytes: a leader refuses proposals beyond the limit until entries commit', async (t) => {
  const c = new TestCluster([1, 2, 3], { maxUncommittedEntriesBytes: 250 });
  c.elect(1);
  c.isolate(1);
  const node = c.get(1).node;
  node.propose(data('a'.repeat(100)));
  node.propose(data('b'.repeat(100)));
  t.throws(() => node.propose(data('c'.repeat(100))), { code: 'PROPOSAL_DROPPED' });
  c.heal();
  c.run(3);
  t.equal(c.appliedText(2).length, 2);
  t.doesNotThrow(() => node.propose(data('c'.repeat(100))), 'accepted once the others committed');
  // A single proposal larger than the limit is still accepted when nothing is uncommitted.
  c.stabilize();
  t.doesNotThrow(() => node.propose(data('d'.repeat(1000))));
});

t.test('a candidate refuses proposals', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3], opts: { preVote: false } });
  r.campaign('election');
  t.throws(() => r.step(msg({ type: MessageType.Prop, from: 1, entries: [ent(0, 0, 'x')] })), { code: 'PROPOSAL_DROPPED' });
  // A proposal forwarded from another node is dropped silently (the forwarder times out).
  t.doesNotThrow(() => r.step(msg({ type: MessageType.Prop, from: 2, entries: [ent(0, 0, 'x')] })));
});

t.test('reordered and duplicated messages do not break replication', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  for (let round = 0; round < 20; round++) {
    c.get(1).node.propose(data(`v${round}`));
    c.processReady();
    // Deliver the queue backwards, and every message twice.
    const q = c.queue.reverse();
    c.queue = [];
    for (const m of q) {
      c.deliverMessage(m);
      c.deliverMessage(m);
    }
    c.processReady();
  }
  c.run(5);
  const want = Array.from({ length: 20 }, (_, i) => `v${i}`);
  for (const id of [1, 2, 3]) t.same(c.appliedText(id), want, `node ${id}`);
});

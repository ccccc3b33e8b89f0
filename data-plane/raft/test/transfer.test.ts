// Leadership transfer (§3.10 of Ongaro's thesis): "1. The prior leader stops accepting new
// client requests. 2. The prior leader fully updates the target server's log to match its own
// ... 3. The prior leader sends a TimeoutNow request to the target server ... the target server
// starts a new election". "If the transfer does not complete within about an election timeout,
// the prior leader aborts the transfer and resumes accepting client requests."
import t from 'tap';
import { CAMPAIGN_TRANSFER, ConfChangeType, EMPTY_BYTES, MessageType, NONE, Role } from '../src/index.js';
import { data, TestCluster } from './helpers.js';

t.test('§3.10 transfer to an up-to-date follower: TimeoutNow at once, the target wins the next term', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  const term = c.raft(1).term;
  c.sent = [];
  c.get(1).node.transferLeader(2);
  t.equal(c.raft(1).leadTransferee, 2);
  c.stabilize();
  t.equal(c.leader()?.id, 2);
  t.equal(c.raft(2).term, term + 1);
  t.equal(c.raft(1).role, Role.Follower);
  t.equal(c.raft(1).lead, 2);
  const first = c.sent[0]!;
  t.same([first.type, first.from, first.to], [MessageType.TimeoutNow, 1, 2]);
  const votes = c.sent.filter((m) => m.from === 2 && (m.type === MessageType.Vote || m.type === MessageType.PreVote));
  t.ok(votes.length > 0 && votes.every((m) => m.type === MessageType.Vote), 'no pre-vote for a transfer');
  t.ok(votes.every((m) => m.context.length === 1 && m.context[0] === CAMPAIGN_TRANSFER[0]), 'marked as a transfer (passes the lease)');
  c.propose(2, 'b');
  for (const id of [1, 2, 3]) t.same(c.appliedText(id), ['a', 'b']);
});

t.test('§3.10 transfer to a lagging follower: the leader first brings its log up to date, then sends TimeoutNow', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(2);
  c.propose(1, 'a', 'b', 'c');
  c.heal();
  c.sent = [];
  c.get(1).node.transferLeader(2);
  c.processReady();
  t.notOk(c.sent.some((m) => m.type === MessageType.TimeoutNow), 'no TimeoutNow while 2 lags');
  t.ok(c.sent.some((m) => m.to === 2 && m.type === MessageType.App), 'an append instead');
  c.stabilize();
  t.equal(c.leader()?.id, 2);
  const timeoutAt = c.sent.findIndex((m) => m.type === MessageType.TimeoutNow);
  const caughtUpAt = c.sent.findIndex((m) => m.from === 2 && m.type === MessageType.AppResp && !m.reject && m.index === 5);
  t.ok(caughtUpAt >= 0 && caughtUpAt < timeoutAt, 'TimeoutNow follows the ack of the last entry');
  t.same(c.appliedText(2), ['a', 'b', 'c']);
});

t.test('§3.10 the leader refuses proposals while transferring, and aborts after an election timeout', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.stop(2); // the target never answers
  c.get(1).node.transferLeader(2);
  t.throws(() => c.get(1).node.propose(data('x')), { code: 'PROPOSAL_DROPPED', message: /transferred/ });
  c.get(3).node.propose(data('forwarded')); // dropped silently by the leader
  c.stabilize();
  for (let i = 0; i < 9; i++) c.tick(1);
  t.equal(c.raft(1).leadTransferee, 2, 'still transferring after 9 ticks');
  c.tick(1);
  t.equal(c.raft(1).leadTransferee, NONE, 'abandoned after electionTicks');
  t.equal(c.get(1).node.status().leadTransferee, NONE);
  t.equal(c.raft(1).role, Role.Leader, 'still leader');
  t.doesNotThrow(() => c.get(1).node.propose(data('y')), 'accepting proposals again');
  c.stabilize();
  t.same(c.appliedText(3), ['y']);
});

t.test('transfer to a learner, to itself or to a non-member is ignored', async (t) => {
  const c = new TestCluster([1, 2, 3, 4], {}, 1, [4]);
  c.elect(1);
  for (const target of [4, 1, 9]) {
    c.sent = [];
    c.get(1).node.transferLeader(target);
    c.stabilize();
    t.equal(c.raft(1).leadTransferee, NONE, `target ${target}`);
    t.equal(c.leader()?.id, 1);
    t.notOk(c.sent.some((m) => m.type === MessageType.TimeoutNow));
    t.doesNotThrow(() => c.get(1).node.propose(data(`after ${target}`)));
  }
});

t.test('a repeated request is a no-op; a request for another target replaces the pending one', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]); // 4 and 5 keep the leader's quorum
  c.elect(1);
  c.stop(2);
  c.stop(3);
  c.get(1).node.transferLeader(2);
  c.run(5);
  c.get(1).node.transferLeader(2);
  c.run(5);
  t.equal(c.raft(1).leadTransferee, NONE, 'the repeat did not extend the deadline');
  c.get(1).node.transferLeader(2);
  c.run(5);
  c.get(1).node.transferLeader(3);
  t.equal(c.raft(1).leadTransferee, 3);
  c.run(5);
  t.equal(c.raft(1).leadTransferee, 3, 'the new target has its own deadline');
  t.equal(c.raft(1).role, Role.Leader);
});

t.test('a follower forwards a transfer request to the leader', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.get(3).node.transferLeader(2);
  c.stabilize();
  t.equal(c.leader()?.id, 2);
});

t.test('the transfer is abandoned when its target stops being a voter', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.stop(2);
  c.get(1).node.transferLeader(2);
  t.equal(c.raft(1).leadTransferee, 2);
  c.get(1).node.applyConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2, context: EMPTY_BYTES });
  t.equal(c.raft(1).leadTransferee, NONE);
  t.doesNotThrow(() => c.get(1).node.propose(data('x')));
});

t.test('transfers survive the check-quorum lease and repeat cleanly', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  for (const target of [2, 3, 4, 5, 1]) {
    const from = c.leader()!.id;
    c.get(from).node.transferLeader(target);
    c.stabilize();
    t.equal(c.leader()?.id, target, `${from} -> ${target}`);
    c.propose(target, `by ${target}`);
  }
  t.equal(c.raft(1).term, 6, 'one term per transfer');
  t.same(c.appliedText(3), ['by 2', 'by 3', 'by 4', 'by 5', 'by 1']);
});

t.test('repeated transfer requests do not starve check-quorum (regression)', async (t) => {
  // An isolated leader asked again and again to hand over (to changing targets) must still
  // step down on schedule: lease reads depend on it.
  const c = new TestCluster([1, 2, 3], { readOnlyOption: 'lease' });
  c.elect(1);
  c.propose(1, 'a');
  c.partition([1], [2, 3]);
  let ticks = 0;
  while (c.raft(1).role === Role.Leader && ticks < 100) {
    if (ticks % 5 === 0) c.get(1).node.transferLeader(ticks % 10 === 0 ? 2 : 3);
    c.tickAll();
    c.stabilize();
    ticks++;
  }
  t.ok(ticks <= 20, `stepped down after ${ticks} ticks`);
  t.not(c.raft(1).role, Role.Leader);
});

t.test('transfer to a follower that first needs a snapshot', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b');
  c.compact(1);
  c.heal();
  c.get(1).node.transferLeader(3);
  c.stabilize();
  t.equal(c.get(3).installed.length, 1, 'caught up by snapshot');
  t.equal(c.leader()?.id, 3, 'then took over');
  c.propose(3, 'c');
  for (const id of [1, 2, 3]) t.same(c.appliedText(id), ['a', 'b', 'c']);
});

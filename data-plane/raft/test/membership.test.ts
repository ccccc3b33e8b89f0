// Membership changes one server at a time (§4.1 of Ongaro's thesis), with learners (§4.2.1:
// "new servers join the cluster as non-voting members ... until they have caught up").
import t from 'tap';
import {
  applyConfChangeTo,
  type ConfChange,
  ConfChangeType,
  EMPTY_BYTES,
  encodeConfChange,
  EntryType,
  MessageType,
  type RaftError,
  Role,
} from '../src/index.js';
import { data, drain, ent, msg, newRaft, TestCluster } from './helpers.js';

const cc = (type: ConfChangeType, nodeId: number): ConfChange => ({ type, nodeId, context: EMPTY_BYTES });

function code(f: () => void): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    return (err as RaftError).code;
  }
}

/** A 3-voter cluster led by 1 with 'a' committed, and an empty node 4 added as a learner. */
function withLearner(): TestCluster {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  c.addEmpty(4);
  c.confChange(1, ConfChangeType.AddLearner, 4);
  c.run(3);
  return c;
}

t.test('§4.2.1 an added learner receives the whole log (here via a snapshot) but does not vote', async (t) => {
  const c = withLearner();
  t.same(c.raft(1).prs.confState(), { voters: [1, 2, 3], learners: [4] });
  t.same(c.appliedText(4), ['a'], 'caught up');
  t.same(c.get(4).confState, { voters: [1, 2, 3], learners: [4] }, 'and applied its own addition');
  t.equal(c.raft(4).lead, 1);
  c.propose(1, 'b');
  t.same(c.appliedText(4), ['a', 'b']);
  // The learner's acknowledgement never makes a quorum.
  c.stop(2);
  c.stop(3);
  const commit = c.raft(1).log.committed;
  c.propose(1, 'c');
  t.equal(c.raft(1).prs.progress.get(4)!.match, c.raft(1).log.lastIndex(), 'the learner has c');
  t.equal(c.raft(1).log.committed, commit, 'but c is not committed');
});

t.test('learners never make a quorum, however many of them acknowledge', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5, 6], {}, 1, [4, 5, 6]);
  c.elect(1);
  c.propose(1, 'a');
  t.same(c.appliedText(6), ['a']);
  c.stop(2);
  c.stop(3);
  const commit = c.raft(1).log.committed;
  c.propose(1, 'b');
  for (const id of [4, 5, 6]) t.equal(c.raft(1).prs.progress.get(id)!.match, c.raft(1).log.lastIndex(), `learner ${id} has b`);
  t.equal(c.raft(1).log.committed, commit, '1 voter + 3 learners: not committed');
  c.run(25);
  t.not(c.raft(1).role, Role.Leader, 'and check-quorum does not count them either');
});

t.test('§4.2.1 a caught-up learner is promoted and then counts towards quorums (and may lead)', async (t) => {
  const c = withLearner();
  c.confChange(1, ConfChangeType.PromoteLearner, 4);
  for (const id of [1, 2, 3, 4]) t.same(c.get(id).confState, { voters: [1, 2, 3, 4], learners: [] }, `node ${id}`);
  t.ok(c.raft(4).promotable());
  c.stop(2);
  c.propose(1, 'b');
  t.same(c.appliedText(1), ['a', 'b'], '3 of 4 with the promoted node');
  c.down.delete(2);
  c.run(2);
  c.get(1).node.transferLeader(4);
  c.stabilize();
  t.equal(c.leader()?.id, 4, 'the new voter can lead');
});

t.test('removing a voter shrinks the quorum; the removed node no longer hears from the leader and never campaigns', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.confChange(1, ConfChangeType.RemoveNode, 3);
  for (const id of [1, 2, 3]) t.same(c.get(id).confState, { voters: [1, 2], learners: [] }, `node ${id}`);
  t.notOk(c.raft(3).promotable(), 'node 3 knows it is out');
  c.sent = [];
  c.run(50);
  t.notOk(c.sent.some((m) => m.to === 3 || m.from === 3), 'no traffic to or from 3');
  c.propose(1, 'a');
  t.same(c.appliedText(2), ['a']);
  t.same(c.appliedText(3), []);
  c.stop(2);
  c.propose(1, 'b');
  t.same(c.appliedText(1), ['a'], '1 of 2 is not a quorum');
});

t.test('removing a learner', async (t) => {
  const c = withLearner();
  c.confChange(1, ConfChangeType.RemoveNode, 4);
  t.same(c.raft(1).prs.confState(), { voters: [1, 2, 3], learners: [] });
  t.notOk(c.raft(1).prs.isMember(4));
  c.sent = [];
  c.propose(1, 'b');
  c.run(3);
  t.notOk(c.sent.some((m) => m.to === 4));
});

t.test('§4.1 only one conf change may be pending at a time', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const node = c.get(1).node;
  node.proposeConfChange(cc(ConfChangeType.AddLearner, 4));
  t.throws(() => node.proposeConfChange(cc(ConfChangeType.AddLearner, 5)), { code: 'CONF_CHANGE_REJECTED', message: /not applied/ });
  c.processReady(); // appended, not yet committed
  t.equal(code(() => node.proposeConfChange(cc(ConfChangeType.AddLearner, 5))), 'CONF_CHANGE_REJECTED');
  c.stabilize(); // committed and applied
  t.equal(code(() => node.proposeConfChange(cc(ConfChangeType.AddLearner, 5))), 'ok');
  c.stabilize();
  t.same(c.raft(1).prs.confState(), { voters: [1, 2, 3], learners: [4, 5] });
});

t.test('§4.1 (raft-dev 2015 fix) a leader proposes no conf change before it has committed an entry of its term', async (t) => {
  // Node 2 leads term 1, then hands over to node 1, whose appends are held back.
  const c = new TestCluster([1, 2, 3]);
  c.elect(2);
  c.propose(2, 'x');
  c.get(2).node.transferLeader(1);
  while (c.raft(1).role !== Role.Leader) c.deliver((m) => m.type !== MessageType.App);
  t.equal(c.raft(1).term, 2);
  t.equal(c.raft(1).log.committed, 3, 'its no-op is not committed yet');
  t.throws(() => c.get(1).node.proposeConfChange(cc(ConfChangeType.AddLearner, 4)), { code: 'CONF_CHANGE_REJECTED', message: /committed an entry of its term/ });
  t.doesNotThrow(() => c.get(1).node.propose(data('ordinary proposals are fine')));
  c.stabilize();
  t.doesNotThrow(() => c.get(1).node.proposeConfChange(cc(ConfChangeType.AddLearner, 4)));
});

t.test('a conf change must be proposed alone', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const entries = [ent(0, 0, 'x'), { index: 0, term: 0, type: EntryType.ConfChange, data: encodeConfChange(cc(ConfChangeType.AddLearner, 4)) }];
  t.throws(() => c.get(1).node.step(msg({ type: MessageType.Prop, from: 1, entries })), { code: 'CONF_CHANGE_REJECTED' });
});

t.test('a leader that applies its own removal steps down and hands over to a caught-up voter', async (t) => {
  // Proposing one's own removal is refused, but a node can become leader while a removal of
  // itself (proposed by an earlier leader) is still on its way to being applied.
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  c.sent = [];
  for (const id of [1, 2, 3]) c.raft(id).applyConfChange(cc(ConfChangeType.RemoveNode, 1));
  t.equal(c.raft(1).role, Role.Follower, 'stepped down');
  t.notOk(c.raft(1).promotable());
  c.stabilize(); // delivers messages only: no ticks, so no election timeout can fire
  t.ok(c.sent.some((m) => m.from === 1 && m.type === MessageType.TimeoutNow), 'handed over with TimeoutNow');
  const lead = c.leader();
  t.ok(lead && lead.id !== 1, `node ${lead?.id} leads without waiting for an election timeout`);
  c.propose(lead!.id, 'b');
  t.same(c.appliedText(2), ['a', 'b']);
  t.same(c.appliedText(3), ['a', 'b']);
  t.same(c.appliedText(1), ['a'], 'the removed node is no longer replicated to');
  t.notOk(c.sent.some((m) => m.from === 1 && (m.type === MessageType.Vote || m.type === MessageType.PreVote)), 'and never campaigned');
});

t.test('invalid changes are refused by the leader with CONF_CHANGE_REJECTED and never enter the log', async (t) => {
  const c = new TestCluster([1, 2, 3], {}, 1, [3]);
  c.elect(1);
  const last = c.raft(1).log.lastIndex();
  const bad: [ConfChange, RegExp][] = [
    [cc(ConfChangeType.AddLearner, 2), /already a voter/],
    [cc(ConfChangeType.AddLearner, 3), /already a learner/],
    [cc(ConfChangeType.AddVoter, 2), /already a voter/],
    [cc(ConfChangeType.PromoteLearner, 2), /not a learner/],
    [cc(ConfChangeType.PromoteLearner, 9), /not a learner/],
    [cc(ConfChangeType.RemoveNode, 9), /not a member/],
    [cc(ConfChangeType.AddLearner, 0), /invalid node id/],
    [cc(ConfChangeType.AddLearner, -1), /invalid node id/],
    [cc(ConfChangeType.AddLearner, 1.5), /invalid node id/],
    [cc(99 as ConfChangeType, 4), /unknown conf change type/],
  ];
  for (const [change, why] of bad) {
    t.throws(() => c.get(1).node.proposeConfChange(change), { code: 'CONF_CHANGE_REJECTED', message: why }, `${ConfChangeType[change.type]} ${change.nodeId}`);
  }
  t.equal(c.raft(1).log.lastIndex(), last);
  const single = new TestCluster([1]);
  single.elect(1);
  t.throws(() => single.get(1).node.proposeConfChange(cc(ConfChangeType.RemoveNode, 1)), { code: 'CONF_CHANGE_REJECTED', message: /is the leader/ });
  t.same(applyConfChangeTo({ voters: [1], learners: [] }, cc(ConfChangeType.RemoveNode, 1)), { ok: false, reason: 'cannot remove the last voter 1' });
});

t.test('an invalid change forwarded by a follower is dropped by the leader and never enters the log', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const before = c.raft(1).prs.confState();
  const last = c.raft(1).log.lastIndex();
  // Followers cannot validate against the leader's view: the change is forwarded as is.
  c.get(2).node.proposeConfChange(cc(ConfChangeType.AddLearner, 3));
  c.stabilize();
  t.equal(c.raft(1).log.lastIndex(), last, 'nothing was appended');
  for (const id of [1, 2, 3]) t.same(c.get(id).node.raft.prs.confState(), before);
  // Should one reach the log anyway (an older leader), every replica ignores it alike.
  for (const id of [1, 2, 3]) t.same(c.raft(id).applyConfChange(cc(ConfChangeType.AddLearner, 3)), before, `node ${id} ignores it`);
  // And the next (valid) change is not blocked by it.
  c.confChange(1, ConfChangeType.RemoveNode, 3);
  t.same(c.raft(2).prs.confState(), { voters: [1, 2], learners: [] });
});

t.test('a node does not campaign while a committed conf change is not yet applied', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], hardState: { term: 1, vote: 0, commit: 1 }, opts: { preVote: false } });
  const e = { index: 2, term: 1, type: EntryType.ConfChange, data: encodeConfChange(cc(ConfChangeType.AddLearner, 4)) };
  r.step(msg({ type: MessageType.App, from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [e], commit: 2 }));
  drain(r);
  t.equal(r.log.committed, 2);
  r.step(msg({ type: MessageType.Hup, from: 2 }));
  t.equal(r.role, Role.Follower, 'the configuration it would campaign in may be stale');
  r.step(msg({ type: MessageType.TimeoutNow, from: 1, to: 2, term: 1 }));
  t.equal(r.role, Role.Follower, 'not even when asked to take over');
  r.log.appliedTo(2);
  r.applyConfChange(cc(ConfChangeType.AddLearner, 4));
  r.step(msg({ type: MessageType.Hup, from: 2 }));
  t.equal(r.role, Role.Candidate);
});

t.test('when the quorum shrinks, entries the remaining voters hold commit at once', async (t) => {
  const { r } = newRaft(1, { voters: [1, 2, 3, 4], opts: { preVote: false } });
  r.campaign('election');
  r.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1 }));
  r.step(msg({ type: MessageType.VoteResp, from: 3, to: 1, term: 1 }));
  t.equal(r.role, Role.Leader);
  r.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: 1, index: 2 }));
  t.equal(r.log.committed, 1, '2 of 4');
  drain(r);
  r.applyConfChange(cc(ConfChangeType.RemoveNode, 4));
  t.equal(r.log.committed, 2, '2 of 3');
  t.ok(drain(r).some((m) => m.type === MessageType.App && m.commit === 2), 'and tells the followers');
});

t.test('AddVoter adds a voter directly (bootstrap tooling)', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  c.addEmpty(4);
  c.confChange(1, ConfChangeType.AddVoter, 4);
  c.run(3);
  t.same(c.raft(1).prs.confState(), { voters: [1, 2, 3, 4], learners: [] });
  t.same(c.appliedText(4), ['a']);
  t.same(c.get(4).confState, { voters: [1, 2, 3, 4], learners: [] });
});

t.test('a leader may not remove itself: leadership is transferred first', async (t) => {
  // Removing itself would make the leader step down on apply; in a two-voter cluster the other
  // voter may not have learned of the commit yet and could then never be elected (it still
  // needs the old leader's vote, which its shorter log cannot win). So the core refuses it.
  const c = new TestCluster([1, 2]);
  c.elect(2);
  c.propose(2, 'a');
  t.throws(
    () => c.get(2).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2, context: EMPTY_BYTES }),
    { code: 'CONF_CHANGE_REJECTED' },
  );
  c.get(2).node.transferLeader(1);
  c.deliver();
  let n = 0;
  while (c.raft(1).role !== Role.Leader && n++ < 50) c.run(1);
  t.equal(c.raft(1).role, Role.Leader, 'node 1 took over');
  c.propose(1, 'b');
  c.get(1).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2, context: EMPTY_BYTES });
  c.deliver();
  n = 0;
  while (c.get(1).confState.voters.length !== 1 && n++ < 50) c.run(1);
  t.same(c.get(1).confState.voters, [1], 'the old leader is removed');
  c.propose(1, 'c');
  c.deliver();
  t.ok(c.get(1).applied.map((e) => new TextDecoder().decode(e.data)).includes('c'), 'the single voter commits alone');
});

// Linearizable reads (§6.4 of Ongaro's thesis): "1. If the leader has not yet marked an entry
// from its current term committed, it waits until it has done so. 2. The leader saves its
// current commit index in a local variable readIndex. 3. The leader needs to make sure it
// hasn't been superseded by a newer leader ... it sends a new round of heartbeats and waits for
// their acknowledgments from a majority of the cluster."
import t from 'tap';
import { MessageType, Role } from '../src/index.js';
import { data, TestCluster } from './helpers.js';

const ctxOf = (rs: { requestCtx: Uint8Array }) => new TextDecoder().decode(rs.requestCtx);

t.test('§6.4 a ReadIndex on the leader completes only once a majority acknowledged a heartbeat round', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  c.propose(1, 'a');
  const commit = c.raft(1).log.committed;
  c.sent = [];
  c.get(1).node.readIndex(data('r1'));
  c.processReady();
  t.same(c.get(1).readStates, [], 'not at once');
  const hbs = c.sent.filter((m) => m.type === MessageType.Heartbeat);
  t.equal(hbs.length, 4, 'a heartbeat round');
  t.ok(hbs.every((m) => ctxOf({ requestCtx: m.context }) === 'r1'), 'carrying the request context');
  c.deliver((m) => m.type === MessageType.Heartbeat);
  const resps = c.take((m) => m.type === MessageType.HeartbeatResp);
  t.equal(resps.length, 4);
  c.deliverMessage(resps[0]!);
  c.processReady();
  t.same(c.get(1).readStates, [], 'leader + 1 of 5 is not a majority');
  c.deliverMessage(resps[1]!);
  c.processReady();
  t.same(c.get(1).readStates.map((rs) => [rs.index, ctxOf(rs)]), [[commit, 'r1']], 'leader + 2 of 5 is');
  for (const m of resps.slice(2)) c.deliverMessage(m);
  c.processReady();
  t.equal(c.get(1).readStates.length, 1, 'late acks change nothing');
});

t.test('the read index is the commit index when the request arrived', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a');
  const commit = c.raft(1).log.committed;
  c.get(1).node.readIndex(data('r'));
  c.get(1).node.propose(data('b')); // commits later; the read need not wait for it
  c.stabilize();
  t.same(c.get(1).readIndexes, [commit]);
});

t.test('several pending reads: an ack of the latest round completes every earlier one, in order', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.get(1).node.readIndex(data('r1'));
  c.get(1).node.readIndex(data('r2'));
  c.get(1).node.readIndex(data('r3'));
  c.processReady();
  // Deliver only the round carrying r3.
  c.deliver((m) => m.type === MessageType.Heartbeat && ctxOf({ requestCtx: m.context }) === 'r3');
  c.take((m) => m.type === MessageType.Heartbeat);
  c.stabilize();
  t.same(c.get(1).readStates.map(ctxOf), ['r1', 'r2', 'r3']);
});

t.test('a ReadIndex on a follower is forwarded to the leader and answered with the leader\'s index', async (t) => {
  const c = new TestCluster([1, 2, 3, 4], {}, 1, [4]);
  c.elect(1);
  c.propose(1, 'a');
  c.sent = [];
  for (const id of [2, 4]) {
    c.get(id).node.readIndex(data(`from ${id}`));
    c.stabilize();
    t.same(c.get(id).readStates.map((rs) => [rs.index, ctxOf(rs)]), [[c.raft(1).log.committed, `from ${id}`]], `node ${id}`);
  }
  const fwd = c.sent.filter((m) => m.type === MessageType.ReadIndex);
  t.same(fwd.map((m) => [m.from, m.to, m.term]), [[2, 1, 0], [4, 1, 0]], 'forwarded (term 0, like proposals)');
  t.same(c.get(1).readStates, [], 'the leader itself got no read state');
});

t.test('a ReadIndex on a node that knows no leader is dropped', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.get(2).node.readIndex(data('x'));
  c.stabilize();
  t.same(c.sent, []);
  t.same(c.get(2).readStates, []);
});

t.test('§6.4 step 1: a new leader defers reads until it has committed an entry of its term', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(2);
  c.propose(2, 'a', 'b');
  c.get(2).node.transferLeader(1);
  while (c.raft(1).role !== Role.Leader) c.deliver((m) => m.type !== MessageType.App);
  const noop = c.raft(1).log.lastIndex();
  t.ok(c.raft(1).log.committed < noop, 'its no-op is not committed');
  // A heartbeat round (without appends) lets node 2 learn who leads.
  c.tick(1);
  c.deliver((m) => m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResp);
  t.equal(c.raft(2).lead, 1);
  t.ok(c.raft(1).log.committed < noop, 'still not committed');
  c.sent = [];
  c.get(1).node.readIndex(data('early'));
  c.get(2).node.readIndex(data('forwarded early'));
  c.deliver((m) => m.type === MessageType.ReadIndex);
  t.notOk(c.sent.some((m) => m.type === MessageType.Heartbeat), 'no heartbeat round yet');
  t.same(c.get(1).readStates, []);
  c.stabilize();
  t.same(c.get(1).readStates.map((rs) => [rs.index, ctxOf(rs)]), [[noop, 'early']], 'answered at (at least) its no-op');
  t.same(c.get(2).readStates.map((rs) => [rs.index, ctxOf(rs)]), [[noop, 'forwarded early']]);
});

t.test('lease reads: answered at once from the commit index, without a heartbeat round', async (t) => {
  const c = new TestCluster([1, 2, 3], { readOnlyOption: 'lease' });
  c.elect(1);
  c.propose(1, 'a');
  c.sent = [];
  c.get(1).node.readIndex(data('l'));
  c.processReady();
  t.same(c.get(1).readStates.map((rs) => [rs.index, ctxOf(rs)]), [[c.raft(1).log.committed, 'l']]);
  t.same(c.sent, [], 'no messages');
  c.get(3).node.readIndex(data('f'));
  c.stabilize();
  t.same(c.get(3).readIndexes, [c.raft(1).log.committed], 'a follower forwards and gets the lease answer');
});

t.test('a single-voter cluster answers reads at once', async (t) => {
  const c = new TestCluster([1]);
  c.elect(1);
  c.propose(1, 'a');
  c.get(1).node.readIndex(data('x'));
  c.processReady();
  t.same(c.get(1).readIndexes, [c.raft(1).log.committed]);
});

t.test('§6.4 a deposed leader\'s pending reads never complete with a stale index', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.elect(1);
  c.propose(1, 'a');
  c.partition([1, 2], [3, 4, 5]);
  c.get(1).node.readIndex(data('stale?'));
  c.run(60); // 1 gets acks from 2 only; the majority elects a new leader and writes
  const lead = c.leaders().find((tn) => tn.id >= 3);
  t.ok(lead, 'the majority has a leader');
  c.propose(lead!.id, 'b');
  t.same(c.get(1).readStates, [], 'no answer from a minority of acks');
  c.heal();
  c.run(20);
  t.not(c.raft(1).role, Role.Leader);
  t.same(c.get(1).readStates, [], 'and none after it learned of the new term');
  // A read issued now is served by the new leader, after b.
  c.get(1).node.readIndex(data('fresh'));
  c.stabilize();
  const bIndex = c.get(lead!.id).applied.at(-1)!.index;
  t.ok(c.get(1).readIndexes[0]! >= bIndex, 'a fresh read sees b');
});

t.test('pending reads of a leader that steps down are dropped', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.get(1).node.readIndex(data('r'));
  c.processReady();
  c.queue = []; // its heartbeats are lost
  const term = c.raft(1).term;
  c.get(1).node.step({ ...c.sent[0]!, type: MessageType.HeartbeatResp, from: 2, to: 1, term: term + 1, context: data('r') });
  t.equal(c.raft(1).role, Role.Follower);
  c.stabilize();
  t.same(c.get(1).readStates, [], 'an ack at a newer term does not answer the read');
});

t.test('a ReadIndex with an empty context is refused', async (t) => {
  // Heartbeat acks with an empty context mean "no read": an empty read context could never
  // be acknowledged, so the API refuses it up front instead of letting the read hang.
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.throws(() => c.get(1).node.readIndex(new Uint8Array(0)), { code: 'INVALID_ARGUMENT' });
  c.get(1).node.readIndex(new Uint8Array([1]));
  c.run(5);
  t.equal(c.get(1).readStates.length, 1, 'a read with a context completes');
});

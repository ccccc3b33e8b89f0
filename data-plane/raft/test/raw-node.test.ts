// The RawNode contract: ready() hands out a batch (persist, send, apply) and advance(rd)
// acknowledges it; mustSync says when the batch must be fsynced; soft state changes are reported.
import t from 'tap';
import { AssertionError, type MemoryStorage, MessageType, RawNode, type Ready, Role, SeededRandom } from '../src/index.js';
import { data, ent, msg, setupStorage, TestCluster } from './helpers.js';

function node(id: number, voters: number[], opts = {}): { n: RawNode; storage: MemoryStorage } {
  const storage = setupStorage({ voters });
  const n = new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, storage, random: new SeededRandom(id), ...opts });
  return { n, storage };
}

/** Persists and advances a Ready the way an environment would. */
function persist(n: RawNode, storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  n.advance(rd);
}

t.test('a fresh node has nothing to report; a restarted one neither', async (t) => {
  const { n, storage } = node(1, [1, 2, 3]);
  t.notOk(n.hasReady());
  storage.setHardState({ term: 4, vote: 2, commit: 1 });
  const again = new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: new SeededRandom(1) });
  t.notOk(again.hasReady(), 'the persisted hard state is not news');
  t.equal(again.raft.term, 4);
});

t.test('hasReady is false between ready() and advance(); ready() twice or advance() alone are bugs', async (t) => {
  const { n, storage } = node(1, [1, 2, 3]);
  n.campaign();
  t.ok(n.hasReady());
  const rd = n.ready();
  t.notOk(n.hasReady(), 'nothing until advance');
  n.step(msg({ type: MessageType.PreVoteResp, from: 2, to: 1, term: 1 })); // stepping in between is allowed
  t.notOk(n.hasReady());
  t.throws(() => n.ready(), AssertionError);
  persist(n, storage, rd);
  t.throws(() => n.advance(rd), AssertionError);
  t.ok(n.hasReady(), 'what happened meanwhile comes in the next Ready');
  const rd2 = n.ready();
  t.equal(rd2.softState?.role, Role.Candidate);
  t.same(rd2.messages.map((m) => m.type), [MessageType.Vote, MessageType.Vote]);
  persist(n, storage, rd2);
});

t.test('soft state changes are reported once each', async (t) => {
  const { n, storage } = node(1, [1, 2, 3], { preVote: false });
  const roles: (string | null)[] = [];
  const take = () => {
    const rd = n.ready();
    roles.push(rd.softState ? `${Role[rd.softState.role]}/${rd.softState.leader}` : null);
    persist(n, storage, rd);
  };
  n.campaign();
  take();
  n.step(msg({ type: MessageType.VoteResp, from: 2, to: 1, term: 1 }));
  take();
  n.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: 1, index: 2 }));
  take();
  n.step(msg({ type: MessageType.Heartbeat, from: 3, to: 1, term: 5, commit: 0 }));
  take();
  t.same(roles, ['Candidate/0', 'Leader/1', null, 'Follower/3']);
});

t.test('mustSync: term, vote or entries must be fsynced; a commit index alone need not', async (t) => {
  const { n, storage } = node(2, [1, 2, 3]);
  const next = () => {
    const rd = n.ready();
    persist(n, storage, rd);
    return rd;
  };
  n.step(msg({ type: MessageType.Vote, from: 1, to: 2, term: 1, index: 1, logTerm: 1 }));
  let rd = next();
  t.same(rd.hardState, { term: 1, vote: 1, commit: 1 });
  t.equal(rd.mustSync, true, 'term and vote');
  t.same(rd.messages.map((m) => [m.type, m.reject]), [[MessageType.VoteResp, false]], 'the vote is sent in the Ready that persists it');
  n.step(msg({ type: MessageType.App, from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [ent(2, 1, 'x')], commit: 1 }));
  rd = next();
  t.equal(rd.hardState, null);
  t.equal(rd.entries.length, 1);
  t.equal(rd.mustSync, true, 'entries');
  n.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 1, commit: 2 }));
  rd = next();
  t.same(rd.hardState, { term: 1, vote: 1, commit: 2 });
  t.equal(rd.mustSync, false, 'commit only');
  t.same(rd.committedEntries.map((e) => e.index), [2]);
  n.step(msg({ type: MessageType.Heartbeat, from: 1, to: 2, term: 1, commit: 2 }));
  rd = next();
  t.equal(rd.hardState, null);
  t.equal(rd.mustSync, false, 'messages only');
  t.same(rd.committedEntries, [], 'applied entries are not handed out again');
  t.equal(n.status().applied, 2);
});

t.test('entries are marked stable only up to what the Ready held; later appends come next', async (t) => {
  const { n, storage } = node(1, [1]);
  n.campaign();
  persist(n, storage, n.ready());
  const rd = n.ready(); // the no-op
  n.propose(data('a')); // meanwhile
  persist(n, storage, rd);
  const rd2 = n.ready();
  t.same(rd2.entries.map((e) => e.index), [3]);
  persist(n, storage, rd2);
  t.equal(storage.lastIndex(), 3);
  t.same(n.raft.log.unstableEntries(), []);
});

t.test('an overwrite between ready() and advance() is not lost: the new entries are persisted next', async (t) => {
  const { n, storage } = node(2, [1, 2, 3]);
  n.step(msg({ type: MessageType.App, from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [ent(2, 1, 'a'), ent(3, 1, 'b')], commit: 1 }));
  const rd = n.ready();
  t.same(rd.entries.map((e) => `${e.index}@${e.term}`), ['2@1', '3@1']);
  // Persisted, not yet advanced: a new leader replaces entry 3.
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  n.step(msg({ type: MessageType.App, from: 3, to: 2, term: 2, index: 2, logTerm: 1, entries: [ent(3, 2, 'c')], commit: 1 }));
  n.advance(rd);
  const rd2 = n.ready();
  t.ok(rd2.entries.some((e) => e.index === 3 && e.term === 2), 'the replacement is handed out');
  persist(n, storage, rd2);
  t.same(storage.entries(2, 4, Infinity).map((e) => `${e.index}@${e.term}`), ['2@1', '3@2']);
  t.equal(n.raft.log.term(3), 2);
});

t.test('a snapshot arriving between ready() and advance() is handed out next and sets applied', async (t) => {
  const { n, storage } = node(2, [1, 2, 3]);
  n.step(msg({ type: MessageType.App, from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [ent(2, 1, 'a')], commit: 2 }));
  const rd = n.ready();
  const snap = { metadata: { index: 10, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: data('sm') };
  n.step(msg({ type: MessageType.Snap, from: 1, to: 2, term: 1, snapshot: snap }));
  persist(n, storage, rd);
  const rd2 = n.ready();
  t.same(rd2.snapshot, snap);
  t.same(rd2.committedEntries, []);
  t.same(rd2.messages.map((m) => [m.type, m.index]), [[MessageType.AppResp, 10]]);
  persist(n, storage, rd2);
  t.equal(n.status().applied, 10);
  t.notOk(n.hasReady());
  t.equal(storage.firstIndex(), 11);
});

t.test('Ready carries read states once', async (t) => {
  const c = new TestCluster([1]);
  c.elect(1);
  const n = c.get(1).node;
  n.readIndex(data('r'));
  const rd = n.ready();
  t.equal(rd.readStates.length, 1);
  c.handleReady(c.get(1), rd);
  n.advance(rd);
  t.notOk(n.hasReady());
});

t.test('proposeBatch appends contiguously in one append message', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.sent = [];
  c.get(1).node.proposeBatch([data('a'), data('b'), data('c')]);
  c.get(1).node.proposeBatch([]);
  c.stabilize();
  const apps = c.sent.filter((m) => m.type === MessageType.App && m.to === 2 && m.entries.length > 0);
  t.equal(apps.length, 1);
  t.same(c.appliedText(2), ['a', 'b', 'c']);
});

t.test('status: progress on the leader only', async (t) => {
  const c = new TestCluster([1, 2, 3], {}, 1);
  c.elect(1);
  c.propose(1, 'a');
  const s = c.get(1).node.status();
  t.equal(s.role, Role.Leader);
  t.equal(s.leader, 1);
  t.same(s.config, { voters: [1, 2, 3], learners: [] });
  t.same([...s.progress!.keys()], [1, 2, 3]);
  t.same(s.progress!.get(2), { match: 3, next: 4, state: 'replicate', recentActive: true, isLearner: false, inflight: 0 });
  t.equal(c.get(2).node.status().progress, null);
});

t.test('MemoryStorage as the disk: every message leaves after the state it depends on was persisted', async (t) => {
  // Drive a 3-node cluster and check, at each send, that the sender's storage already holds
  // its term, vote and every entry the message carries or acknowledges.
  const c = new TestCluster([1, 2, 3]);
  const violations: string[] = [];
  const origHandle = c.handleReady.bind(c);
  c.handleReady = (tn, rd) => {
    const before = c.sent.length;
    origHandle(tn, rd);
    const hs = tn.storage.initialState().hardState;
    for (const m of c.sent.slice(before)) {
      if (m.term > 0 && m.type !== MessageType.PreVote && m.type !== MessageType.PreVoteResp && m.term > hs.term) violations.push(`${MessageType[m.type]} at term ${m.term} before term persisted`);
      if (m.type === MessageType.VoteResp && !m.reject && hs.vote !== m.to) violations.push('vote sent before persisted');
      for (const e of m.entries) if (tn.storage.lastIndex() < e.index) violations.push('entry sent before persisted');
      if (m.type === MessageType.AppResp && !m.reject && tn.storage.lastIndex() < m.index) violations.push('ack before persisted');
    }
  };
  c.elect(1);
  c.propose(1, 'a', 'b');
  c.run(30);
  c.get(1).node.transferLeader(3);
  c.stabilize();
  c.propose(3, 'c');
  t.same(violations, []);
  t.same(c.appliedText(2), ['a', 'b', 'c']);
});

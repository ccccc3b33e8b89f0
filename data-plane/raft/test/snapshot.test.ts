// Log compaction and InstallSnapshot (§7 of the Raft paper, chapter 5 of Ongaro's thesis):
// "the leader must occasionally send snapshots to followers that lag behind ... when the
// leader has already discarded the next log entry that it needs to send to a follower."
import t from 'tap';
import { EMPTY_BYTES, MemoryStorage, MessageType, ProgressState, RaftError, type Snapshot } from '../src/index.js';
import { data, drain, logTerms, msg, newRaft, TestCluster } from './helpers.js';

/** Node 1 leads; node 3 misses a-e, which node 1 then compacts away. */
function behindCompacted(opts = {}): TestCluster {
  const c = new TestCluster([1, 2, 3], opts);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b', 'c', 'd', 'e');
  c.compact(1);
  t.ok(c.raft(1).log.firstIndex() > c.raft(3).log.lastIndex() + 1, 'node 3 needs entries node 1 no longer has');
  return c;
}

t.test('§7 a follower far behind a compacted leader gets a snapshot, installs it and keeps replicating', async (t) => {
  const c = behindCompacted();
  c.heal();
  c.run(3);
  const snaps = c.sent.filter((m) => m.type === MessageType.Snap);
  t.equal(snaps.length, 1, 'one snapshot sent');
  t.equal(snaps[0]!.to, 3);
  const tn = c.get(3);
  t.equal(tn.installed.length, 1, 'Ready carried the snapshot');
  t.equal(tn.installed[0]!.metadata.index, 7);
  t.same(c.appliedText(3), ['a', 'b', 'c', 'd', 'e'], 'state machine restored from the snapshot');
  t.equal(tn.node.raft.log.firstIndex(), 8);
  t.equal(tn.node.status().applied, 7);
  t.equal(c.raft(1).prs.progress.get(3)!.state, ProgressState.Replicate, 'back to streaming');
  c.propose(1, 'f');
  t.same(c.appliedText(3), ['a', 'b', 'c', 'd', 'e', 'f'], 'and replication continues after it');
  t.same(logTerms(c.raft(3)), logTerms(c.raft(1)).slice(-1));
});

t.test('a snapshot that failed to reach the follower (reportSnapshot(false)) is followed by probing, then a new snapshot', async (t) => {
  const c = behindCompacted();
  c.heal();
  c.drop = (m) => m.type === MessageType.Snap;
  c.run(3);
  const pr = c.raft(1).prs.progress.get(3)!;
  t.equal(pr.state, ProgressState.Snapshot);
  t.ok(pr.isPaused(), 'nothing is sent while a snapshot is in flight');
  c.sent = [];
  c.run(3);
  t.same(c.sent.filter((m) => m.to === 3 && m.type !== MessageType.Heartbeat), [], 'only heartbeats');
  c.get(1).node.reportSnapshot(3, false);
  t.equal(pr.state, ProgressState.Probe);
  t.equal(pr.pendingSnapshot, 0);
  t.ok(pr.isPaused(), 'waits for a heartbeat response before probing');
  c.drop = () => false;
  c.run(3);
  t.equal(c.get(3).installed.length, 1, 'the retry got through');
  t.same(c.appliedText(3), ['a', 'b', 'c', 'd', 'e']);
  t.equal(pr.state, ProgressState.Replicate);
});

t.test('reportSnapshot(true) resumes probing after the snapshot', async (t) => {
  const c = behindCompacted();
  c.heal();
  // The snapshot message is delivered but the follower's answer is lost.
  c.drop = (m) => m.from === 3 && m.type === MessageType.AppResp && !m.reject;
  c.run(1);
  t.equal(c.get(3).installed.length, 1, 'installed');
  const pr = c.raft(1).prs.progress.get(3)!;
  t.equal(pr.state, ProgressState.Snapshot);
  c.get(1).node.reportSnapshot(3, true);
  t.equal(pr.state, ProgressState.Probe);
  t.equal(pr.next, 8, 'next is after the snapshot');
  c.drop = () => false;
  c.run(3);
  t.equal(pr.state, ProgressState.Replicate);
  t.equal(pr.match, c.raft(1).log.lastIndex());
});

t.test('reportSnapshot for a follower not in Snapshot state is ignored', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const pr = c.raft(1).prs.progress.get(2)!;
  c.get(1).node.reportSnapshot(2, false);
  t.equal(pr.state, ProgressState.Replicate);
});

t.test('no snapshot is shipped to a follower the leader has not heard from recently', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.stop(3);
  c.run(25); // two check-quorum rounds: 3 is no longer recently active
  t.equal(c.raft(1).prs.progress.get(3)!.recentActive, false);
  c.propose(1, 'a', 'b');
  c.compact(1);
  // Make the leader try to send to 3: a heartbeat response would, but 3 is down. Force a probe.
  c.get(1).node.reportUnreachable(3);
  c.sent = [];
  c.run(3);
  t.same(c.sent.filter((m) => m.type === MessageType.Snap), [], 'no snapshot to a node that may be down');
  c.down.delete(3);
  c.run(3);
  t.equal(c.sent.filter((m) => m.type === MessageType.Snap).length, 1, 'sent once it answers again');
  t.same(c.appliedText(3), ['a', 'b']);
});

class FlakySnapshotStorage extends MemoryStorage {
  failures = 0;
  override snapshot(): Snapshot {
    if (this.failures > 0) {
      this.failures--;
      throw new RaftError('SNAPSHOT_TEMPORARILY_UNAVAILABLE', 'snapshot being built');
    }
    return super.snapshot();
  }
}

t.test('SNAPSHOT_TEMPORARILY_UNAVAILABLE: the leader tries again later', async (t) => {
  const storage = new FlakySnapshotStorage();
  const c = new TestCluster([]);
  c.addWithLog(1, { voters: [1, 2, 3], storage });
  c.add(2, { voters: [1, 2, 3], learners: [] });
  c.add(3, { voters: [1, 2, 3], learners: [] });
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b');
  c.compact(1);
  storage.failures = 3;
  c.heal();
  c.run(2);
  t.ok(storage.failures < 3, 'the leader asked for the snapshot');
  c.run(6);
  t.equal(storage.failures, 0);
  t.same(c.appliedText(3), ['a', 'b'], 'and shipped it once available');
});

t.test('a follower ignores a snapshot that is not ahead of its commit index', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1], hardState: { term: 2, vote: 0, commit: 5 } });
  const snap: Snapshot = { metadata: { index: 3, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: EMPTY_BYTES };
  r.step(msg({ type: MessageType.Snap, from: 1, to: 2, term: 2, snapshot: snap }));
  t.same(drain(r).map((m) => [m.type, m.index, m.reject]), [[MessageType.AppResp, 5, false]], 'answers with its commit index');
  t.equal(r.log.unstable.snapshot, null);
  t.equal(r.log.lastIndex(), 5);
});

t.test('a follower that already has the snapshot\'s last entry only moves its commit index', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], hardState: { term: 2, vote: 0, commit: 1 } });
  const snap: Snapshot = { metadata: { index: 4, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: EMPTY_BYTES };
  r.step(msg({ type: MessageType.Snap, from: 1, to: 2, term: 2, snapshot: snap }));
  t.equal(r.log.committed, 4);
  t.equal(r.log.lastIndex(), 6, 'entries after the snapshot are kept');
  t.equal(r.log.unstable.snapshot, null, 'nothing to install');
  t.same(drain(r).map((m) => [m.type, m.index]), [[MessageType.AppResp, 4]]);
});

t.test('a snapshot with a conflicting last entry replaces the whole log, and its configuration is adopted', async (t) => {
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], hardState: { term: 2, vote: 0, commit: 1 } });
  const cs = { voters: [1, 2, 3, 4], learners: [5] };
  const snap: Snapshot = { metadata: { index: 4, term: 2, confState: cs }, data: data('sm') };
  r.step(msg({ type: MessageType.Snap, from: 1, to: 2, term: 2, snapshot: snap }));
  t.equal(r.log.committed, 4);
  t.equal(r.log.lastIndex(), 4);
  t.equal(r.log.firstIndex(), 5);
  t.equal(r.log.lastTerm(), 2);
  t.same(r.prs.confState(), cs);
  t.same(drain(r).map((m) => [m.type, m.index]), [[MessageType.AppResp, 4]]);
});

t.test('a restart from MemoryStorage (snapshot + entries + hard state) reproduces the node\'s state', async (t) => {
  const c = behindCompacted();
  c.heal();
  c.run(3);
  c.propose(1, 'f', 'g');
  const before = c.get(3);
  const r0 = before.node.raft;
  const want = {
    term: r0.term,
    vote: r0.vote,
    commit: r0.log.committed,
    first: r0.log.firstIndex(),
    last: r0.log.lastIndex(),
    terms: logTerms(r0),
    conf: r0.prs.confState(),
    applied: c.appliedText(3),
  };
  const after = c.restart(3);
  const r1 = after.node.raft;
  t.same(
    { term: r1.term, vote: r1.vote, commit: r1.log.committed, first: r1.log.firstIndex(), last: r1.log.lastIndex(), terms: logTerms(r1), conf: r1.prs.confState() },
    { term: want.term, vote: want.vote, commit: want.commit, first: want.first, last: want.last, terms: want.terms, conf: want.conf },
  );
  t.equal(r1.log.applied, 7, 'applied restarts at the snapshot');
  c.processReady(); // re-applies f, g from the log
  t.same(c.appliedText(3), want.applied, 'the state machine is rebuilt');
  c.propose(1, 'h');
  t.same(c.appliedText(3), [...want.applied, 'h'], 'and the node rejoins');
});

t.test('a restarted node given its applied index does not apply entries twice', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'a', 'b');
  const storage = c.get(2).storage;
  const { RawNode, SeededRandom } = await import('../src/index.js');
  const node = new RawNode({ id: 2, electionTicks: 10, heartbeatTicks: 1, storage, random: new SeededRandom(1), applied: 4 });
  t.notOk(node.hasReady(), 'nothing to apply, nothing new to persist');
  const fresh = new RawNode({ id: 2, electionTicks: 10, heartbeatTicks: 1, storage, random: new SeededRandom(1) });
  const rd = fresh.ready();
  t.same(rd.committedEntries.map((e) => e.index), [2, 3, 4], 'without it, everything after the snapshot is applied again');
  t.equal(rd.hardState, null, 'the persisted hard state is not news');
  t.equal(rd.mustSync, false);
});

// Progress (the leader's view of one follower), Inflights (the pipelining window), the
// ProgressTracker and majority arithmetic.
import t from 'tap';
import { AssertionError, majority, ProgressState } from '../src/index.js';
import { Inflights, Progress } from '../src/progress.js';
import { committedIndex, voteResult, VoteResult } from '../src/quorum.js';
import { ProgressTracker } from '../src/tracker.js';

t.test('Inflights: bounded by count, freed by acknowledgement, a ring that wraps', async (t) => {
  const w = new Inflights(3, 0);
  t.throws(() => new Inflights(0, 0), AssertionError);
  w.add(5, 10);
  w.add(7, 10);
  t.notOk(w.full());
  w.add(9, 10);
  t.ok(w.full());
  t.throws(() => w.add(11, 10), AssertionError, 'no add to a full window');
  w.freeLE(6);
  t.equal(w.size(), 2);
  t.notOk(w.full());
  t.throws(() => w.add(9, 1), AssertionError, 'indexes must increase');
  w.add(12, 10); // wraps around the ring
  t.ok(w.full());
  w.freeLE(9);
  t.equal(w.size(), 1);
  w.freeLE(100);
  t.equal(w.size(), 0);
  w.add(13, 1);
  w.reset();
  t.equal(w.size(), 0);
});

t.test('Inflights: bounded by bytes', async (t) => {
  const w = new Inflights(100, 250);
  w.add(1, 100);
  w.add(2, 100);
  t.notOk(w.full());
  w.add(3, 100);
  t.ok(w.full(), '300 >= 250');
  w.freeLE(1);
  t.notOk(w.full(), '200 < 250');
  const one = new Inflights(100, 10);
  one.add(1, 500);
  t.ok(one.full(), 'a single large message fills it');
});

t.test('Progress state transitions', async (t) => {
  const pr = new Progress(10, false, 4, 0);
  t.equal(pr.state, ProgressState.Probe);
  t.equal(pr.match, 0);
  t.equal(pr.next, 10);
  t.throws(() => new Progress(0, false, 4, 0), AssertionError);
  pr.maybeUpdate(7);
  pr.becomeReplicate();
  t.equal(pr.next, 8, 'replicate from match + 1');
  pr.sentEntries(2, 50, 9);
  t.equal(pr.next, 10);
  t.equal(pr.inflights.size(), 1);
  pr.becomeProbe();
  t.equal(pr.next, 8, 'probe from match + 1');
  t.equal(pr.inflights.size(), 0);
  pr.becomeSnapshot(20);
  t.equal(pr.pendingSnapshot, 20);
  t.ok(pr.isPaused());
  t.throws(() => pr.sentEntries(1, 1, 21), AssertionError, 'nothing is sent in Snapshot state');
  pr.becomeProbe();
  t.equal(pr.next, 21, 'after a snapshot: probe from after it');
  t.equal(pr.pendingSnapshot, 0);
  pr.becomeSnapshot(5);
  pr.becomeProbe();
  t.equal(pr.next, 8, '...or from match + 1 if that is later');
});

t.test('Progress.isPaused: one probe at a time; a full window in Replicate', async (t) => {
  const pr = new Progress(5, false, 2, 0);
  t.notOk(pr.isPaused());
  pr.sentEntries(0, 0, 4);
  t.ok(pr.isPaused(), 'even an empty probe pauses');
  t.ok(pr.maybeUpdate(5));
  t.notOk(pr.isPaused(), 'an ack unpauses');
  pr.becomeReplicate();
  pr.sentEntries(1, 10, 6);
  t.notOk(pr.isPaused());
  pr.sentEntries(1, 10, 7);
  t.ok(pr.isPaused(), 'window full');
  pr.sentEntries(0, 0, 7);
  t.ok(pr.isPaused(), 'an empty append is not counted and does not unpause');
  t.ok(pr.maybeUpdate(6));
  pr.inflights.freeLE(6);
  t.notOk(pr.isPaused());
});

t.test('Progress.maybeUpdate ignores stale acks; next never falls below match + 1', async (t) => {
  const pr = new Progress(5, false, 2, 0);
  t.ok(pr.maybeUpdate(8));
  t.equal(pr.match, 8);
  t.equal(pr.next, 9);
  t.notOk(pr.maybeUpdate(6), 'stale');
  t.equal(pr.match, 8);
  t.notOk(pr.maybeUpdate(8), 'duplicate');
});

t.test('Progress.maybeDecrTo: rejections in Replicate and Probe', async (t) => {
  const rep = new Progress(5, false, 8, 0);
  rep.maybeUpdate(5);
  rep.becomeReplicate();
  rep.sentEntries(5, 10, 10);
  t.notOk(rep.maybeDecrTo(4, 0), 'a rejection at or below match is stale');
  t.ok(rep.maybeDecrTo(8, 2));
  t.equal(rep.next, 6, 'back to match + 1 (the hint is ignored in Replicate)');

  const probe = new Progress(11, false, 8, 0);
  probe.maybeUpdate(3);
  probe.next = 11;
  probe.sentEntries(0, 0, 10);
  t.notOk(probe.maybeDecrTo(9, 5), 'not a rejection of the last probe (next - 1 = 10): stale');
  t.ok(probe.isPaused());
  t.ok(probe.maybeDecrTo(10, 6));
  t.equal(probe.next, 7, 'jumps to the hint + 1');
  t.notOk(probe.isPaused(), 'and may probe again');
  t.ok(probe.maybeDecrTo(6, 0));
  t.equal(probe.next, 4, 'never below match + 1');
  probe.maybeDecrTo(3, 0);
  t.equal(probe.next, 4, 'even a rejection of the match index cannot move next below match + 1');
});

t.test('majority, committedIndex and voteResult', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
  const m = (matches: Record<number, number>) => (id: number) => matches[id] ?? 0;
  t.equal(committedIndex([], m({})), 0, 'no voters: nothing commits');
  t.equal(committedIndex([1], m({ 1: 5 })), 5);
  t.equal(committedIndex([1, 2], m({ 1: 5, 2: 3 })), 3);
  t.equal(committedIndex([1, 2, 3], m({ 1: 5, 2: 3, 3: 9 })), 5);
  t.equal(committedIndex([1, 2, 3, 4], m({ 1: 5, 2: 3, 3: 9, 4: 1 })), 3);
  t.equal(committedIndex([1, 2, 3, 4, 5], m({ 1: 5, 2: 3, 3: 9, 4: 1, 5: 7 })), 5);
  const v = (votes: [number, boolean][]) => new Map(votes);
  t.equal(voteResult([1, 2, 3], v([[1, true]])), VoteResult.Pending);
  t.equal(voteResult([1, 2, 3], v([[1, true], [2, true]])), VoteResult.Won);
  t.equal(voteResult([1, 2, 3], v([[1, true], [2, false], [3, false]])), VoteResult.Lost);
  t.equal(voteResult([1, 2, 3, 4], v([[1, true], [2, true], [3, false]])), VoteResult.Pending, '2 of 4 with one missing');
  t.equal(voteResult([1, 2, 3, 4], v([[1, true], [2, true], [3, false], [4, false]])), VoteResult.Lost, 'a tie loses');
  t.equal(voteResult([1, 2, 3], v([[9, true], [8, true]])), VoteResult.Pending, 'non-voters do not count');
  t.equal(voteResult([], v([])), VoteResult.Lost);
});

t.test('ProgressTracker: configurations, learners, votes, quorum activity', async (t) => {
  const tr = new ProgressTracker(4, 0);
  tr.applyConfState({ voters: [3, 1, 2, 2], learners: [4] }, 10);
  t.same(tr.voters, [1, 2, 3], 'sorted and deduplicated');
  t.same(tr.learners, [4]);
  t.equal(tr.progress.get(4)!.isLearner, true);
  t.equal(tr.progress.get(1)!.next, 10);
  tr.progress.get(2)!.maybeUpdate(7);
  tr.applyConfState({ voters: [1, 2, 4], learners: [] }, 20);
  t.equal(tr.progress.get(2)!.match, 7, 'progress of a kept member is kept');
  t.equal(tr.progress.get(4)!.isLearner, false, 'a promoted learner keeps its progress, as a voter');
  t.notOk(tr.isMember(3), 'removed');
  t.throws(() => tr.applyConfState({ voters: [1], learners: [1] }, 1), AssertionError);
  t.same(tr.confState(), { voters: [1, 2, 4], learners: [] });

  // Learners never count towards the commit index.
  const lt = new ProgressTracker(4, 0);
  lt.applyConfState({ voters: [1, 2, 3], learners: [4, 5] }, 1);
  for (const [id, match] of [[1, 9], [4, 9], [5, 9]] as const) lt.progress.get(id)!.maybeUpdate(match);
  t.equal(lt.committed(), 0);
  lt.progress.get(2)!.maybeUpdate(4);
  t.equal(lt.committed(), 4);

  lt.recordVote(2, true);
  lt.recordVote(2, false);
  lt.recordVote(4, true);
  t.same(lt.tallyVotes(), { granted: 1, rejected: 0, result: VoteResult.Pending }, 'first vote counts; learners ignored');
  lt.recordVote(1, true);
  t.equal(lt.tallyVotes().result, VoteResult.Won);
  lt.resetVotes();
  t.equal(lt.tallyVotes().granted, 0);

  lt.forEach((_, pr) => (pr.recentActive = false));
  t.notOk(lt.quorumActive(1), 'self alone');
  lt.progress.get(4)!.recentActive = true;
  lt.progress.get(5)!.recentActive = true;
  t.notOk(lt.quorumActive(1), 'learners do not make a quorum');
  lt.progress.get(3)!.recentActive = true;
  t.ok(lt.quorumActive(1));
  const order: number[] = [];
  lt.forEach((id) => order.push(id));
  t.same(order, [1, 2, 3, 4, 5], 'iteration in id order (deterministic message order)');
});

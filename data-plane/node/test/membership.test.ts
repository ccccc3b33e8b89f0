// Membership through the HTTP API: add a learner that joins with an empty data dir, promote it
// once caught up, remove members, and remove the leader (which hands leadership over first).
import t from 'tap';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/env.js';

t.test('add learner, promote, remove', async (t) => {
  const c = await TestCluster.start(3, { snapshotEntries: 100, snapshotKeepEntries: 10 });
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const rs = await Promise.all(Array.from({ length: 150 }, (_, i) => c.put(leader, `k${i}`, `v${i}`)));
  t.ok(rs.every((r) => r.status === 200));

  // The joining node knows nobody: it learns the leader's address from its handshake.
  const n4 = await c.addJoiningNode(4);
  const follower = leader === 1 ? 2 : 1;
  const viaFollower = await c.http(follower, 'POST', '/v1/members', { id: 4, raftAddr: n4.member.raftAddr, httpAddr: n4.member.httpAddr });
  t.equal(viaFollower.json['code'], 'NOT_LEADER');

  const tooEarly = await c.http(leader, 'POST', '/v1/members/4/promote');
  t.equal(tooEarly.json['code'], 'MEMBER_NOT_FOUND', 'cannot promote a non-member');

  const added = await c.http(leader, 'POST', '/v1/members', { id: 4, raftAddr: n4.member.raftAddr, httpAddr: n4.member.httpAddr });
  t.equal(added.status, 202);
  t.same(added.json, { id: 4, raftAddr: n4.member.raftAddr, httpAddr: n4.member.httpAddr, role: 'learner' });
  const dup = await c.http(leader, 'POST', '/v1/members', { id: 4, raftAddr: n4.member.raftAddr, httpAddr: n4.member.httpAddr });
  t.equal(dup.status, 409);
  t.equal(dup.json['code'], 'MEMBER_EXISTS');

  await waitFor('learner catches up', () => c.status(4).appliedIndex >= c.status(leader).commitIndex, 15_000);
  const learnerView = c.status(leader).members.find((m) => m.id === 4);
  t.equal(learnerView?.role, 'learner');
  t.same((await c.http(4, 'GET', '/v1/kv/k149?consistency=serializable')).json['value'], 'v149', 'learner has the data');

  const promoted = await c.http(leader, 'POST', '/v1/members/4/promote');
  t.equal(promoted.status, 200);
  t.equal(promoted.json['role'], 'voter');
  await waitFor('node 4 sees itself as a voter', () => c.status(4).members.find((m) => m.id === 4)?.role === 'voter');
  t.equal(c.status(leader).members.filter((m) => m.role === 'voter').length, 4);

  // Node 4 now takes part: a linearizable read through it works, and a write reaches it.
  const w = await c.put(leader, 'after-promote', 'yes');
  t.equal(w.status, 200);
  t.same((await c.http(4, 'GET', '/v1/kv/after-promote')).json['value'], 'yes');

  const removed = await c.http(leader, 'DELETE', '/v1/members/4');
  t.equal(removed.status, 200);
  t.same(removed.json, { id: 4, removed: true });
  t.notOk(c.status(leader).members.some((m) => m.id === 4), 'node 4 gone from the membership');
  const again = await c.http(leader, 'DELETE', '/v1/members/4');
  t.equal(again.json['code'], 'MEMBER_NOT_FOUND');
  t.equal((await c.put(leader, 'after-remove', 'ok')).status, 200, 'the three remaining nodes still commit');
});

t.test('removing the leader hands leadership over first', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  t.equal((await c.put(leader, 'a', '1')).status, 200);
  const r = await c.http(leader, 'DELETE', `/v1/members/${leader}`);
  t.equal(r.status, 503);
  t.equal(r.json['code'], 'NOT_LEADER');
  const newLeader = r.json['leaderId'] as number;
  t.not(newLeader, leader);
  t.ok(newLeader > 0);
  await waitFor('new leader established', () => c.status(newLeader).role === 'leader');
  const removed = await c.http(newLeader, 'DELETE', `/v1/members/${leader}`);
  t.equal(removed.status, 200);
  t.same(c.status(newLeader).members.map((m) => m.id).sort(), [1, 2, 3].filter((id) => id !== leader));
  t.equal((await c.put(newLeader, 'b', '2')).status, 200, 'two voters still commit');
});

// Three nodes in this process over real TCP and real files: election, replicated puts,
// linearizable and serializable gets, NOT_LEADER on followers, leader transfer.
import t from 'tap';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/env.js';

t.test('three nodes elect, replicate and read linearizably', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const followers = [1, 2, 3].filter((id) => id !== leader);

  const revisions: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await c.put(leader, `key-${i}`, `value-${i}`);
    t.equal(r.status, 200, `put ${i}`);
    t.equal(r.json['key'], `key-${i}`);
    revisions.push(r.json['revision'] as number);
  }
  t.ok(revisions.every((r, i) => i === 0 || r > revisions[i - 1]!), 'revisions increase');

  // Concurrent puts are batched into few proposals and all complete.
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => c.put(leader, `batch-${i % 50}`, `v${i}`)));
  t.ok(many.every((r) => r.status === 200), '200 concurrent puts succeed');

  // A linearizable read on a follower sees the write acknowledged just before, at once.
  for (const f of followers) {
    const r = await c.http(f, 'GET', '/v1/kv/key-19');
    t.equal(r.status, 200, `linearizable get on follower ${f}`);
    t.same(r.json, { key: 'key-19', value: 'value-19', revision: revisions[19] });
  }
  const onLeader = await c.http(leader, 'GET', '/v1/kv/key-0');
  t.same(onLeader.json, { key: 'key-0', value: 'value-0', revision: revisions[0] });

  // Concurrent linearizable gets share read-index rounds.
  const reads = await Promise.all(Array.from({ length: 50 }, (_, i) => c.http(followers[0]!, 'GET', `/v1/kv/key-${i % 20}`)));
  t.ok(reads.every((r) => r.status === 200), '50 concurrent linearizable gets');

  const missing = await c.http(followers[0]!, 'GET', '/v1/kv/nope');
  t.equal(missing.status, 404);
  t.equal(missing.json['code'], 'KEY_NOT_FOUND');

  // Serializable reads are local and may lag, but converge.
  await c.waitForApplied(c.status(leader).commitIndex);
  const local = await c.http(followers[1]!, 'GET', '/v1/kv/key-5?consistency=serializable');
  t.same(local.json, { key: 'key-5', value: 'value-5', revision: revisions[5] });

  // Followers refuse writes with the leader's id; nothing is written.
  const refused = await c.put(followers[0]!, 'key-0', 'changed');
  t.equal(refused.status, 503);
  t.equal(refused.json['code'], 'NOT_LEADER');
  t.equal(refused.json['leaderId'], leader);
  const after = await c.http(leader, 'GET', '/v1/kv/key-0');
  t.equal(after.json['value'], 'value-0');

  const status = await c.http(followers[0]!, 'GET', '/v1/status');
  t.equal(status.status, 200);
  t.equal(status.json['role'], 'follower');
  t.equal(status.json['leaderId'], leader);
  t.equal((status.json['members'] as unknown[]).length, 3);
  const leaderStatus = await c.http(leader, 'GET', '/v1/status');
  t.ok((leaderStatus.json['members'] as { match?: number }[]).every((m) => typeof m.match === 'number'), 'the leader reports match');

  for (const id of [1, 2, 3]) {
    const r = await c.http(id, 'GET', '/readyz');
    t.equal(r.status, 200, `node ${id} ready`);
  }
});

t.test('leadership transfer moves the leader and writes continue', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  t.equal((await c.put(leader, 'a', '1')).status, 200);
  const to = leader === 3 ? 1 : leader + 1;
  const notLeader = await c.http(to, 'POST', '/v1/leader/transfer', { to });
  t.equal(notLeader.json['code'], 'NOT_LEADER', 'transfer is leader-only');
  const r = await c.http(leader, 'POST', '/v1/leader/transfer', { to });
  t.equal(r.status, 200);
  t.same(r.json, { leaderId: to });
  t.equal(await c.waitForLeader(), to);
  const w = await c.put(to, 'a', '2');
  t.equal(w.status, 200);
  const g = await waitFor('old leader reads the new value', async () => {
    const x = await c.http(leader, 'GET', '/v1/kv/a');
    return x.json['value'] === '2' ? x : undefined;
  });
  t.equal(g.status, 200);
});

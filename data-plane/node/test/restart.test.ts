// Restarts from the data directory keep every acknowledged write.
import t, { type Test } from 'tap';
import { TestCluster } from './helpers/cluster.js';

async function writeKeys(c: TestCluster, leader: number, prefix: string, n: number): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => c.put(leader, `${prefix}-${i}`, `${prefix}-value-${i}`)));
  results.forEach((r, i) => {
    if (r.status === 200) acked.set(`${prefix}-${i}`, r.json['revision'] as number);
  });
  return acked;
}

async function checkKeys(t: Test, c: TestCluster, id: number, acked: Map<string, number>): Promise<void> {
  let bad = 0;
  for (const [key, revision] of acked) {
    const r = await c.http(id, 'GET', `/v1/kv/${key}?consistency=serializable`);
    if (r.status !== 200 || r.json['revision'] !== revision || r.json['value'] !== key.replace(/-(\d+)$/, '-value-$1')) bad++;
  }
  t.equal(bad, 0, `node ${id} holds all ${acked.size} acknowledged writes`);
}

t.test('a follower restarted from its data dir catches up and keeps its writes', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const follower = leader === 1 ? 2 : 1;
  const first = await writeKeys(c, leader, 'before', 100);
  t.equal(first.size, 100);
  await c.waitForApplied(c.status(leader).commitIndex);
  await c.stopNode(follower);
  const second = await writeKeys(c, leader, 'while-down', 100);
  t.equal(second.size, 100, 'two of three nodes keep accepting writes');
  await c.startNode(follower);
  await c.waitForApplied(c.status(leader).commitIndex);
  await checkKeys(t, c, follower, new Map([...first, ...second]));
});

t.test('the whole cluster restarts with all acknowledged writes', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const acked = await writeKeys(c, leader, 'k', 300);
  t.equal(acked.size, 300);
  // Stop the leader first: acknowledged writes must survive without it.
  await c.stopNode(leader);
  for (const id of c.running()) await c.stopNode(id);
  for (const id of [1, 2, 3]) await c.startNode(id);
  const newLeader = await c.waitForLeader();
  const put = await c.put(newLeader, 'after-restart', 'x');
  t.equal(put.status, 200);
  await c.waitForApplied(put.json['revision'] as number);
  for (const id of [1, 2, 3]) await checkKeys(t, c, id, acked);
  for (const id of [1, 2, 3]) t.equal((await c.http(id, 'GET', '/readyz')).status, 200, `node ${id} ready after restart`);
});

// Log compaction: snapshots every few entries; a follower that lagged past the compacted log
// catches up through InstallSnapshot, and restarts from its snapshot.
import t from 'tap';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/env.js';

t.test('a follower lagging past a snapshot catches up via InstallSnapshot', async (t) => {
  const c = await TestCluster.start(3, { snapshotEntries: 50, snapshotKeepEntries: 10 });
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const lagging = leader === 3 ? 1 : 3;
  t.equal((await c.put(leader, 'early', 'e')).status, 200);
  await c.waitForApplied(c.status(leader).commitIndex);
  await c.stopNode(lagging);

  for (let round = 0; round < 4; round++) {
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => c.put(leader, `k${round * 50 + i}`, `v${round * 50 + i}`)));
    t.ok(rs.every((r) => r.status === 200), `round ${round} written`);
  }
  const leaderStatus = c.status(leader);
  t.ok(leaderStatus.firstIndex > 20, `leader compacted its log (first index ${leaderStatus.firstIndex})`);

  await c.startNode(lagging);
  await c.waitForApplied(leaderStatus.commitIndex, 15_000);
  const snapshotsInstalled = await c.node(lagging).metrics.registry.getSingleMetricAsString('konsortium_snapshots_total');
  t.match(snapshotsInstalled, /origin="leader"[^\n]* [1-9]/, 'the lagging node installed a snapshot from the leader');
  const r = await c.http(lagging, 'GET', '/v1/kv/k199?consistency=serializable');
  t.same(r.json['value'], 'v199');
  t.same((await c.http(lagging, 'GET', '/v1/kv/early')).json['value'], 'e');

  // It restarts from its own snapshot and log.
  await c.stopNode(lagging);
  await c.startNode(lagging);
  await waitFor('restarted node replays', () => c.status(lagging).appliedIndex >= leaderStatus.commitIndex);
  t.same((await c.http(lagging, 'GET', '/v1/kv/k0?consistency=serializable')).json['value'], 'v0');
});

t.test('POST /v1/snapshot forces a snapshot on the leader', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const follower = leader === 1 ? 2 : 1;
  const w = await c.put(leader, 'a', '1');
  const r = await c.http(leader, 'POST', '/v1/snapshot');
  t.equal(r.status, 200);
  t.ok((r.json['index'] as number) >= (w.json['revision'] as number), `snapshot at ${r.json['index']}`);
  const again = await c.http(leader, 'POST', '/v1/snapshot');
  t.equal(again.json['index'], r.json['index'], 'nothing new applied: same snapshot');
  const f = await c.http(follower, 'POST', '/v1/snapshot');
  t.equal(f.status, 503);
  t.equal(f.json['code'], 'NOT_LEADER');
});

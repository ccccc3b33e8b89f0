// Three real node processes on loopback, fsync on. Under a steady write load: kill -9 the
// leader, then a follower; restart both; every acknowledged write must still be there, a new
// leader must have been elected, and a node that was down while the log moved far ahead must
// catch up (by InstallSnapshot, since the leader has compacted its log).
import t from 'tap';
import { KonsortiumCluster } from '../lib/konsortium-cluster.js';
import { httpJson, sleep, waitFor } from '../lib/process.js';

const SNAPSHOT_ENTRIES = 300;

interface Writer {
  readonly acked: Map<string, string>;
  stop(): Promise<void>;
  count(): number;
}

/** Writers that follow the leader and record every write the cluster acknowledged. */
function startWriters(c: KonsortiumCluster, writers: number, deadlineMs: number): Writer {
  const acked = new Map<string, string>();
  let running = true;
  let leaderHint = c.ids[0]!;
  const until = Date.now() + deadlineMs;
  const loops = Array.from({ length: writers }, async (_, w) => {
    let seq = 0;
    while (running && Date.now() < until) {
      const key = `w${w}-${seq}`;
      const value = `v${w}.${seq}.${'x'.repeat(64)}`;
      const target = c.isRunning(leaderHint) ? leaderHint : c.ids.find((id) => c.isRunning(id))!;
      try {
        const r = await c.put(target, key, value, 3000);
        if (r.status === 200) {
          acked.set(key, value);
          seq++;
          continue;
        }
        const hint = (r.json as { leaderId?: number } | undefined)?.leaderId;
        if (r.status === 503 && hint) leaderHint = hint;
        else leaderHint = c.ids[(c.ids.indexOf(target) + 1) % c.ids.length]!;
      } catch {
        // A killed node drops its connections: try another one. The write may or may not
        // have committed; it is not counted as acknowledged, and the key is not reused.
        seq++;
        leaderHint = c.ids[(c.ids.indexOf(target) + 1) % c.ids.length]!;
      }
      await sleep(20);
    }
  });
  return {
    acked,
    count: () => acked.size,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function leaderId(c: KonsortiumCluster): Promise<number> {
  return (await c.waitForLeader({ timeoutMs: 20_000 })).node.id;
}

async function waitForAcks(w: Writer, atLeast: number, what: string): Promise<void> {
  await waitFor(() => (w.count() >= atLeast ? true : undefined), { timeoutMs: 30_000, intervalMs: 50, what });
}

t.test('kill -9 of leader and follower under load loses no acknowledged write', async (t) => {
  const c = await KonsortiumCluster.start({ size: 3, extraArgs: ['--snapshot-entries', String(SNAPSHOT_ENTRIES)] });
  t.teardown(() => c.destroy());
  const writers = startWriters(c, 8, 120_000);
  t.teardown(() => writers.stop());

  await waitForAcks(writers, 100, '100 acknowledged writes');
  const first = await leaderId(c);
  await c.killNode(first);
  t.pass(`killed leader ${first} with kill -9 after ${writers.count()} acknowledged writes`);

  const second = await leaderId(c);
  t.not(second, first, `a new leader (${second}) was elected`);
  await waitForAcks(writers, writers.count() + 100, 'writes under the new leader');

  const follower = c.ids.find((id) => id !== first && id !== second)!;
  await c.killNode(follower);
  await c.startNode(first);
  t.pass(`killed follower ${follower}, restarted ${first}`);
  await waitForAcks(writers, writers.count() + 100, 'writes after the follower was killed');
  await c.startNode(follower);
  await c.waitReady(undefined, 30_000);
  await waitForAcks(writers, writers.count() + 50, 'writes after everyone is back');
  await writers.stop();

  const leader = await leaderId(c);
  const missing: string[] = [];
  for (const [key, value] of writers.acked) {
    const r = await httpJson('GET', c.url(leader, `/v1/kv/${key}`), undefined, 5000);
    if (r.status !== 200 || (r.json as { value?: string }).value !== value) missing.push(`${key}: HTTP ${r.status}`);
  }
  t.same(missing, [], `all ${writers.acked.size} acknowledged writes survive`);

  // Every replica converges to the same applied index and serves the same data.
  const target = (await c.status(leader)).commitIndex;
  for (const id of c.ids) {
    await waitFor(async () => ((await c.status(id)).appliedIndex >= target ? true : undefined), { timeoutMs: 30_000, what: `node ${id} to apply ${target}` });
  }
  const sample = [...writers.acked].filter((_, i) => i % 25 === 0);
  for (const id of c.ids) {
    let bad = 0;
    for (const [key, value] of sample) {
      const r = await httpJson('GET', c.url(id, `/v1/kv/${key}?consistency=serializable`), undefined, 5000);
      if ((r.json as { value?: string } | undefined)?.value !== value) bad++;
    }
    t.equal(bad, 0, `node ${id} serves the same data`);
  }
});

async function snapshotsInstalledFromLeader(c: KonsortiumCluster, id: number): Promise<number> {
  const r = await httpJson('GET', c.url(id, '/metrics'), undefined, 5000);
  const m = /^konsortium_snapshots_total\{[^}]*origin="leader"[^}]*\} (\d+)/m.exec(r.text);
  return m ? Number(m[1]) : 0;
}

t.test('a node far behind catches up by snapshot', async (t) => {
  const c = await KonsortiumCluster.start({
    size: 3,
    extraArgs: ['--snapshot-entries', String(SNAPSHOT_ENTRIES), '--snapshot-keep-entries', '20'],
  });
  t.teardown(() => c.destroy());
  const leader = await leaderId(c);
  const lagging = c.ids.find((id) => id !== leader)!;
  await c.killNode(lagging);

  // Move the log far past the point the lagging node knows, so the leader compacts it away.
  const writers = startWriters(c, 8, 60_000);
  await waitForAcks(writers, SNAPSHOT_ENTRIES * 4, 'writes while a node is down');
  await writers.stop();
  const st = await c.status(leader);
  t.ok((st['firstIndex'] as number) > 2, `leader compacted its log (first index ${String(st['firstIndex'])})`);

  await c.startNode(lagging);
  await waitFor(async () => ((await c.status(lagging)).appliedIndex >= st.commitIndex ? true : undefined), {
    timeoutMs: 30_000,
    what: 'the lagging node to catch up',
  });
  t.ok((await snapshotsInstalledFromLeader(c, lagging)) >= 1, 'it caught up by installing the leader\'s snapshot');
  let bad = 0;
  for (const [key, value] of writers.acked) {
    const r = await httpJson('GET', c.url(lagging, `/v1/kv/${key}?consistency=serializable`), undefined, 5000);
    if ((r.json as { value?: string } | undefined)?.value !== value) bad++;
  }
  t.equal(bad, 0, `the caught-up node holds all ${writers.acked.size} writes`);
});

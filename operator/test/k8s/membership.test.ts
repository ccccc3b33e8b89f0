/**
 * Raft membership follows the LedgerNodes. The API server, controllers and kwok are real; the
 * ledger nodes are real processes on loopback (kwok's pods run no containers, so the test
 * starts and stops the node processes where a kubelet would, and the LedgerNodes' address
 * books point at them). The operator runs as its own process, as in a cluster:
 * - a network of 3 reaches Ready with every node a voter, and the network's status shows the
 *   channel's leader and voters;
 * - scaling to 5: the new nodes (registered in governance by the consortium admin) are added
 *   as learners and promoted once caught up — and the operator is killed with SIGKILL in the
 *   middle of it and converges after a restart;
 * - scaling back to 3: each removed node leaves Raft before its pod is deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { KonsortiumClient, Signer } from '@konsortium/client';
import { type Operation, toHex } from '@konsortium/protocol';
import { apply, applyCrds, conditionStatus, getJson, haveCluster, kubeConfig, kubectl, REPO_ROOT, testNamespace } from '../../../test/lib/k8s.js';
import { type JoiningNode, type LedgerCluster, startLedgerCluster } from '../../../test/lib/ledger-cluster.js';
import { waitFor } from '../../../test/lib/process.js';

const CH = 'main';
const WAIT = { timeoutMs: 90_000 };

interface NodeJson {
  metadata: { finalizers?: string[] };
  status?: { raftRole?: string; conditions?: { type: string; status: string; reason: string }[] };
}

/** The membership states a node applied, in order, from its log ("membership changed" lines). */
function membershipChanges(nodeLog: string): { voters: number[]; learners: number[] }[] {
  const out: { voters: number[]; learners: number[] }[] = [];
  for (const line of readFileSync(nodeLog, 'utf8').split('\n')) {
    if (!line.includes('"membership changed"')) continue;
    const e = JSON.parse(line) as { voters: number[]; learners: number[] };
    out.push({ voters: e.voters, learners: e.learners });
  }
  return out;
}

if (!haveCluster()) {
  t.comment('skipped: needs the real control plane; run through `npm run test:k8s`');
} else {
  t.test('Raft membership follows the LedgerNodes', async (t) => {
    const kc = kubeConfig();
    await applyCrds();
    const ns = await testNamespace(kc, t, 'op-raft');
    const lc: LedgerCluster = await startLedgerCluster({ size: 3, channels: [{ name: CH }] });
    t.teardown(() => lc.destroy());
    const admin = new Signer('intl', lc.admin.privateKey);

    // The operator, as a process of its own (killed and restarted below).
    let op: ChildProcess | null = null;
    const logFile = path.join(lc.cluster.baseDir, 'operator.log');
    const startOp = (): void => {
      const out = createWriteStream(logFile, { flags: 'a' });
      op = spawn(process.execPath, [path.join(REPO_ROOT, 'operator/dist/main.js'), 'run', '--namespace', ns, '--health-port', '0', '--concurrency', '4'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
      op.stdout!.pipe(out);
      op.stderr!.pipe(out);
    };
    const killOp = async (signal: NodeJS.Signals): Promise<void> => {
      const p = op;
      if (p === null || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await exited;
      op = null;
    };
    t.teardown(() => killOp('SIGTERM'));

    const leaderUrl = async (): Promise<string> => (await lc.cluster.waitForLeader({ timeoutMs: WAIT.timeoutMs })).node.httpUrl;
    const voters = async (): Promise<number[]> => {
      const st = await new KonsortiumClient({ baseUrl: await leaderUrl(), retries: 0, timeoutMs: 3000 }).raftStatus(CH);
      return st.members.filter((m) => m.role === 'voter').map((m) => m.id).sort((a, b) => a - b);
    };
    const members = async (): Promise<number[]> => {
      const st = await new KonsortiumClient({ baseUrl: await leaderUrl(), retries: 0, timeoutMs: 3000 }).raftStatus(CH);
      return st.members.map((m) => m.id).sort((a, b) => a - b);
    };
    const keySecret = (id: number) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `raft-node-${id}-keys` },
      stringData: { 'keys.json': readFileSync(path.join(lc.cluster.baseDir, `node${id}.key.json`), 'utf8') },
    });
    const addr = (id: number) => ({ id, raftAddr: lc.cluster.node(id).raftAddr, httpAddr: lc.cluster.node(id).httpAddr });
    const ledgerNode = (id: number, join: boolean) => ({
      apiVersion: 'konsortium.dev/v1alpha1',
      kind: 'LedgerNode',
      metadata: { name: `raft-node-${id}` },
      spec: {
        network: 'raft',
        nodeId: id,
        kind: 'shared',
        role: 'voter',
        join,
        channels: { configMapRef: { name: 'raft-genesis' }, names: [CH] },
        keysSecretRef: { name: `raft-node-${id}-keys`, key: 'keys.json' },
        // The address book: where the node processes of this test listen.
        peers: [...[1, 2, 3].map(addr), ...(id > 3 ? [addr(id)] : [])],
      },
    });
    const readyVoter = (id: number) =>
      waitFor(
        async () => {
          const n = await getJson<NodeJson>(ns, 'ledgernode', `raft-node-${id}`);
          return n?.status?.raftRole === 'voter' && conditionStatus(n, 'Ready') === 'True' ? n : undefined;
        },
        { ...WAIT, what: `LedgerNode ${id} Ready as a voter` },
      );
    const register = async (n: JoiningNode): Promise<void> => {
      const op: Operation = { contract: 'governance', method: 'setNode', args: { nodeId: n.id, publicKey: toHex(n.key.publicKey), owner: 'operator', sealKey: toHex(n.seal.publicKey) } };
      const s = await new KonsortiumClient({ baseUrl: await leaderUrl(), timeoutMs: 10_000 }).submitAndWait(admin.buildTx(CH, op), { timeoutMs: 30_000 });
      if (s.status !== 'committed') throw new Error(`setNode ${n.id}: ${s.status} ${s.code ?? ''}`);
    };

    await t.test('a network of 3: every node Ready as a voter', async (t) => {
      await apply(ns, [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raft-genesis' }, data: { [`${CH}.genesis.json`]: readFileSync(lc.genesisFile(CH), 'utf8') } },
        ...[1, 2, 3].map(keySecret),
        { apiVersion: 'konsortium.dev/v1alpha1', kind: 'KonsortiumNetwork', metadata: { name: 'raft' }, spec: { suite: 'intl', channels: [{ name: CH }], manageMembership: true } },
        ...[1, 2, 3].map((id) => ledgerNode(id, false)),
      ]);
      startOp();
      for (const id of [1, 2, 3]) await readyVoter(id);
      t.pass('nodes 1–3 Ready, voters');
      const net = await waitFor(
        async () => {
          const n = await getJson<{ status?: { channels?: { name: string; leader: number; voters: number[] }[] } }>(ns, 'konsortiumnetwork', 'raft');
          const ch = n?.status?.channels?.[0];
          return conditionStatus(n, 'Ready') === 'True' && ch !== undefined && ch.leader !== 0 ? ch : undefined;
        },
        { ...WAIT, what: 'the network Ready with a leader in its status' },
      );
      t.same(net.voters, [1, 2, 3], "the network's status lists the channel's voters");
    });

    await t.test('scale to 5: learners, then voters — through an operator killed mid-way', async (t) => {
      const joiners = [await lc.addNode([CH]), await lc.addNode([CH])];
      t.same(joiners.map((n) => n.id), [4, 5]);
      for (const n of joiners) await register(n);
      await apply(ns, [...[4, 5].map(keySecret), ...[4, 5].map((id) => ledgerNode(id, true))]);
      // The operator dies as soon as it has started on the new nodes (finalizer written).
      await waitFor(async () => ((await getJson<NodeJson>(ns, 'ledgernode', 'raft-node-4'))?.metadata.finalizers?.length ? true : undefined), { ...WAIT, what: 'the operator at work on node 4' });
      await killOp('SIGKILL');
      t.pass('operator killed mid-reconcile (SIGKILL)');
      // Here a kubelet would start the pods: the test starts the node processes (--join).
      await Promise.all(joiners.map((n) => lc.cluster.startNode(n.id)));
      startOp();
      for (const id of [4, 5]) await readyVoter(id);
      t.same(await voters(), [1, 2, 3, 4, 5], 'the leader counts five voters');
      // What Raft committed, in order, as a member that ran throughout saw it apply. (The
      // operator's own log cannot show it: when the kill lands while its learner request is in
      // flight, the leader commits the change and only the restarted operator's promotion is
      // logged — a correct run, so the test asks Raft.)
      const applied = membershipChanges(lc.cluster.node(1).logFile);
      for (const id of [4, 5]) {
        const states = applied.filter((c) => c.learners.includes(id) || c.voters.includes(id));
        t.ok(states.length > 0 && states[0]!.learners.includes(id) && !states[0]!.voters.includes(id), `node ${id} joined Raft as a learner first`);
        t.ok(states.some((c) => c.voters.includes(id)), `then node ${id} was promoted to voter`);
      }
      t.match(readFileSync(logFile, 'utf8'), /promoted to voter/, 'the operator logged the promotions');
    });

    await t.test('scale back to 3: a removed node leaves Raft before its pod goes', async (t) => {
      for (const id of [5, 4]) {
        let leftAt = 0;
        let podGoneAt = 0;
        await kubectl(['-n', ns, 'delete', 'ledgernode', `raft-node-${id}`, '--wait=false']);
        await waitFor(
          async () => {
            const now = Date.now();
            if (leftAt === 0 && !(await members()).includes(id)) leftAt = now;
            const pod = await getJson<{ metadata: { deletionTimestamp?: string } }>(ns, 'pod', `raft-node-${id}-0`);
            if (podGoneAt === 0 && (pod === null || pod.metadata.deletionTimestamp !== undefined)) podGoneAt = now;
            return leftAt !== 0 && podGoneAt !== 0 ? true : undefined;
          },
          { ...WAIT, intervalMs: 50, what: `node ${id} out of Raft and its pod gone` },
        );
        t.ok(leftAt < podGoneAt, `node ${id} left Raft ${podGoneAt - leftAt} ms before its pod was deleted`);
        await waitFor(async () => ((await getJson(ns, 'ledgernode', `raft-node-${id}`)) === null ? true : undefined), { ...WAIT, what: `LedgerNode ${id} gone` });
        await lc.cluster.stopNode(id); // what the kubelet does when the pod goes
      }
      t.same(await voters(), [1, 2, 3], 'three voters again');
      t.same(await members(), [1, 2, 3], 'and no learners left behind');
      await waitFor(
        async () => {
          const n = await getJson<{ status?: { nodes?: number; channels?: { voters: number[] }[] } }>(ns, 'konsortiumnetwork', 'raft');
          return n?.status?.nodes === 3 && JSON.stringify(n.status.channels?.[0]?.voters) === '[1,2,3]' && conditionStatus(n, 'Ready') === 'True' ? true : undefined;
        },
        { ...WAIT, what: 'the network status back to 3 voters' },
      );
      t.pass('the network reports 3 nodes and 3 voters, Ready');
      const events = JSON.parse(await kubectl(['-n', ns, 'get', 'events.events.k8s.io', '-o', 'json'])) as { items: { reason: string; regarding: { name: string } }[] };
      const of4 = events.items.filter((e) => e.regarding.name === 'raft-node-4').map((e) => e.reason);
      // AddedAsLearner is expected only when the operator logged adding node 4: a SIGKILL that
      // lands while the request is in flight loses the event with the process (see above).
      const addedBy4 = readFileSync(logFile, 'utf8').split('\n').some((l) => l.includes('"added to Raft as a learner"') && l.includes('/raft-node-4"'));
      const expected = [...(addedBy4 ? ['AddedAsLearner'] : []), 'Promoted', 'LeftRaft'];
      for (const reason of expected) t.ok(of4.includes(reason), `a ${reason} event about node 4 (${of4.join(', ')})`);
    });
  });
}

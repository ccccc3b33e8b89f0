/**
 * The control plane's `kubernetes` NodeRuntime and the operator together, against the real API
 * server, controllers and kwok: the runtime writes LedgerNodes (with their keys Secret and
 * genesis ConfigMap) exactly as provisioning does, the operator turns them into StatefulSets
 * whose pods kwok makes Ready, and the runtime reads the nodes back as running; removing a node
 * through the runtime leaves nothing behind. (Raft membership is the control plane's job for
 * these nodes — no KonsortiumNetwork manages it — and is covered by operator/test/k8s.)
 */
import t from 'tap';
import { KubernetesNodeRuntime, type NodeSpec } from '@konsortium/control-plane';
import { startOperator } from '@konsortium/operator';
import { suiteById, toHex, x25519KeyPair } from '@konsortium/protocol';
import { applyCrds, conditionStatus, getJson, haveCluster, kubeConfig, names, testNamespace } from '../lib/k8s.js';
import { waitFor } from '../lib/process.js';

if (!haveCluster()) {
  t.comment('skipped: needs the real control plane; run through `npm run test:k8s`');
} else {
  t.test('provisioning through the kubernetes runtime: the operator makes the nodes run', async (t) => {
    const kc = kubeConfig();
    await applyCrds();
    const ns = await testNamespace(kc, t, 'cp-runtime');
    const op = startOperator({ kubeConfig: kc, namespaces: [ns] });
    t.teardown(() => op.stop());
    const runtime = new KubernetesNodeRuntime({ namespace: ns, kubeConfig: kc });
    t.teardown(() => runtime.close());

    const suite = suiteById('intl');
    const ids = [1, 2, 3];
    const keys = new Map(ids.map((id) => [id, { sign: suite.generateKeyPair(), seal: x25519KeyPair() }] as const));
    const peers = await Promise.all(ids.map(async (id) => ({ id, ...(await runtime.addresses('cpnet', id)) })));
    const genesis = {
      channel: 'main',
      suite: 'intl',
      timestamp: 1_767_225_600_000,
      members: [],
      nodes: ids.map((id) => ({ nodeId: id, publicKey: toHex(keys.get(id)!.sign.publicKey), owner: 'operator', sealKey: toHex(keys.get(id)!.seal.publicKey) })),
    };
    const spec = (id: number): NodeSpec => ({
      network: 'cpnet',
      nodeId: id,
      channels: [genesis],
      keys: { intl: toHex(keys.get(id)!.sign.privateKey), seal: toHex(keys.get(id)!.seal.privateKey) },
      peers: peers.map((p) => ({ id: p.id, raftAddr: p.raftAddr, httpAddr: p.httpAddr })),
      join: false,
    });

    for (const id of ids) await runtime.ensureNode(spec(id));
    for (const id of ids) {
      await waitFor(async () => ((await runtime.status('cpnet', id)).state === 'running' ? true : undefined), { timeoutMs: 60_000, what: `node ${id} running` });
    }
    t.pass('the runtime sees all three nodes running');
    const ln = await getJson(ns, 'ledgernode', 'cpnet-node-1');
    t.equal(conditionStatus(ln, 'Ready'), 'True', 'the LedgerNode is Ready');
    const sts = await getJson<{ spec: { template: { spec: { containers: { args: string[] }[]; volumes: { name: string; secret?: { secretName: string } }[] } } } }>(ns, 'statefulset', 'cpnet-node-1');
    const args = sts!.spec.template.spec.containers[0]!.args;
    t.same(args.filter((a, i) => args[i - 1] === '--peer').length, 3, 'the address book the control plane wrote reaches the node');
    t.ok(args.includes('/etc/konsortium/genesis/main.genesis.json'), "the channel's genesis document from the control plane's ConfigMap");
    t.equal(sts!.spec.template.spec.volumes.find((v) => v.name === 'keys')?.secret?.secretName, 'cpnet-node-1-keys', "the control plane's keys Secret is mounted, none generated");

    // Idempotent: ensuring again changes nothing the operator has to act on.
    await runtime.ensureNode(spec(1));
    t.equal((await runtime.status('cpnet', 1)).state, 'running');

    await runtime.removeNode('cpnet', 3);
    await waitFor(async () => ((await runtime.status('cpnet', 3)).state === 'absent' ? true : undefined), { timeoutMs: 60_000, what: 'node 3 absent' });
    await waitFor(
      async () => {
        const left = (await Promise.all(['statefulsets', 'pods', 'pvc', 'services', 'secrets', 'configmaps'].map((k) => names(ns, k)))).flat().filter((n) => n.includes('cpnet-node-3'));
        return left.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: "node 3's objects gone" },
    );
    t.pass('removing a node through the runtime leaves nothing of it behind');
    t.same(await names(ns, 'ledgernodes'), ['cpnet-node-1', 'cpnet-node-2']);
  });
}

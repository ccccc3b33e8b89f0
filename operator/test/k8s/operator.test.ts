/**
 * The operator against a real API server (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler; kwok plays the kubelets, so pods become Ready without containers). Networks
 * here do not manage Raft membership (no ledger processes run; membership.test.ts has them):
 * a network of 3 reaches Ready in a namespace that enforces the restricted Pod Security
 * Standard; invalid resources are refused by the API server with their message; a spec change
 * rolls out one node at a time; writes that conflict are retried; objects changed behind the
 * operator's back are put back; deletion leaves nothing behind; of two operators with leader
 * election only one reconciles, and the other takes over when it stops.
 */
import t from 'tap';
import { Watch } from '@kubernetes/client-node';
import { FINALIZER, type Operator, startOperator } from '@konsortium/operator';
import { apply, applyCrds, conditionStatus, getJson, haveCluster, kubeConfig, kubectl, names, testNamespace } from '../../../test/lib/k8s.js';
import { waitFor } from '../../../test/lib/process.js';

if (!haveCluster()) {
  t.comment('skipped: needs the real control plane; run through `npm run test:k8s`');
} else {
  const kc = kubeConfig();
  const WAIT = { timeoutMs: 60_000 };
  const ops: Operator[] = [];
  const operator = (o: Partial<Parameters<typeof startOperator>[0]> & { namespaces: string[] }): Operator => {
    const op = startOperator({ kubeConfig: kc, concurrency: 8, ...o });
    ops.push(op);
    return op;
  };
  t.teardown(async () => {
    await Promise.all(ops.map((o) => o.stop()));
  });

  const network = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'konsortium.dev/v1alpha1',
    kind: 'KonsortiumNetwork',
    metadata: { name },
    spec: { suite: 'intl', channels: [{ name: 'main' }], manageMembership: false, ...extra },
  });
  const ledgerNode = (net: string, id: number, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'konsortium.dev/v1alpha1',
    kind: 'LedgerNode',
    metadata: { name: `${net}-node-${id}` },
    spec: { network: net, nodeId: id, kind: 'shared', role: 'voter', channels: { configMapRef: { name: `${net}-genesis` }, names: ['main'] }, ...spec },
  });
  /** A genesis ConfigMap whose document lists nodes 1–3 (the address books come from it). */
  const genesis = (net: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${net}-genesis` },
    data: { 'main.genesis.json': JSON.stringify({ channel: 'main', suite: 'intl', nodes: [1, 2, 3].map((nodeId) => ({ nodeId })) }) },
  });
  const allReady = (ns: string, kind: string, want: number) =>
    waitFor(
      async () => {
        const list = JSON.parse(await kubectl(['-n', ns, 'get', kind, '-o', 'json'])) as { items: unknown[] };
        const ready = list.items.filter((i) => conditionStatus(i, 'Ready') === 'True').length;
        return list.items.length === want && ready === want ? ready : undefined;
      },
      { ...WAIT, what: `${want} ${kind} Ready in ${ns}` },
    );

  t.before(async () => {
    await applyCrds();
  });

  t.test('invalid resources are refused by the API server with their message', async (t) => {
    const ns = await testNamespace(kc, t, 'op-invalid');
    const refused = async (obj: unknown): Promise<string> => {
      try {
        await apply(ns, obj);
        return 'accepted';
      } catch (err) {
        return String((err as { stderr?: string }).stderr ?? err);
      }
    };
    t.match(await refused(ledgerNode('n1', 1, { kind: 'dedicated' })), /a dedicated node names its tenant/);
    t.match(await refused(ledgerNode('n1', 1, { tenant: 'acme' })), /a shared node serves every tenant/);
    t.match(await refused(ledgerNode('n1', 1, { peers: [{ id: 2, raftAddr: 'a:1', httpAddr: 'a:2' }] })), /spec.peers must include this node/);
    t.match(await refused(ledgerNode('n1', 0)), /spec.nodeId: Invalid value: 0/);
    t.match(await refused(ledgerNode('N_1', 1)), /spec.network in body should match/);
    t.match(await refused(ledgerNode('n1', 1, { role: 'boss' })), /spec.role: Unsupported value: "boss"/);
    t.match(await refused(ledgerNode('n1', 1, { storage: { size: 'lots' } })), /spec.storage.size in body should match/);
    t.match(await refused(network('n1', { suite: 'rot13' })), /spec.suite: Unsupported value: "rot13"/);
    t.match(await refused(network('n1', { channels: [] })), /spec.channels in body should have at least 1 items/);
    t.match(await refused(network('n1', { consensus: { electionTicks: 3, heartbeatTicks: 3 } })), /electionTicks must be greater than consensus.heartbeatTicks/);
    // Transition rules: what cannot change once set.
    await apply(ns, [network('n2'), ledgerNode('n2', 1)]);
    t.match(await refused(network('n2', { suite: 'sm' })), /suite is immutable/);
    t.match(await refused(network('n2', { channels: [{ name: 'other' }] })), /channels cannot be removed/);
    t.match(await refused({ ...ledgerNode('n2', 1), spec: { ...ledgerNode('n2', 1).spec, nodeId: 7 } }), /nodeId is immutable/, 'a LedgerNode keeps its node id');
    t.match(await refused(ledgerNode('n2', 1, { storage: { size: '20Gi' } })), /storage.size is immutable/);
    t.same(await names(ns, 'ledgernodes'), ['n2-node-1'], 'nothing refused was stored');
  });

  t.test('a network of 3 nodes reaches Ready, its pods meet the restricted Pod Security Standard', async (t) => {
    const ns = await testNamespace(kc, t, 'op-ready');
    const op = operator({ namespaces: [ns] });
    await apply(ns, [genesis('alpha'), network('alpha'), ...[1, 2, 3].map((i) => ledgerNode('alpha', i))]);
    await allReady(ns, 'ledgernodes', 3);
    await allReady(ns, 'konsortiumnetworks', 1);
    t.same(await names(ns, 'statefulsets'), ['alpha-node-1', 'alpha-node-2', 'alpha-node-3']);
    t.same(await names(ns, 'pods'), ['alpha-node-1-0', 'alpha-node-2-0', 'alpha-node-3-0'], 'the restricted namespace admitted every pod');
    t.same(await names(ns, 'services'), ['alpha-node-1', 'alpha-node-2', 'alpha-node-3']);
    t.same(await names(ns, 'pvc'), ['data-alpha-node-1-0', 'data-alpha-node-2-0', 'data-alpha-node-3-0']);
    t.same(await names(ns, 'pdb'), ['alpha-nodes']);
    t.same(await names(ns, 'networkpolicies'), ['alpha-nodes']);
    t.same(await names(ns, 'secrets'), ['alpha-node-1-keys', 'alpha-node-2-keys', 'alpha-node-3-keys'], 'node keys generated');

    const n1 = await getJson<{ metadata: { uid: string; finalizers: string[] }; status: { publicKey: string; sealKey: string; observedGeneration: number } }>(ns, 'ledgernode', 'alpha-node-1');
    t.same(n1!.metadata.finalizers, [FINALIZER]);
    t.match(n1!.status.publicKey, /^[0-9a-f]{64}$/, 'the generated public key is in the status, for governance');
    t.match(n1!.status.sealKey, /^[0-9a-f]{64}$/);
    const keys = await getJson<{ data: Record<string, string>; metadata: { annotations: Record<string, string> } }>(ns, 'secret', 'alpha-node-1-keys');
    const file = JSON.parse(Buffer.from(keys!.data['keys.json']!, 'base64').toString()) as Record<string, string>;
    t.same(Object.keys(file).sort(), ['intl', 'seal'], 'the key file holds the suite key and the seal key');
    t.notOk(JSON.stringify(n1).includes(file.intl!), 'the private key is not in the LedgerNode');
    const events = await waitFor(
      async () => {
        const list = JSON.parse(await kubectl(['-n', ns, 'get', 'events.events.k8s.io', '-o', 'json'])) as { items: { reason: string; note: string; regarding: { name: string } }[] };
        const e = list.items.find((x) => x.reason === 'KeysGenerated' && x.regarding.name === 'alpha-node-1');
        return e;
      },
      { ...WAIT, what: 'a KeysGenerated event' },
    );
    t.match(events.note, n1!.status.publicKey, 'an event tells the public key to register');
    t.notOk(events.note.includes(file.intl!), 'and not the private one');

    const sts = await getJson<{
      metadata: { ownerReferences: { uid: string; controller: boolean }[] };
      spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { args: string[]; securityContext: Record<string, unknown>; readinessProbe: unknown }[] } } };
    }>(ns, 'statefulset', 'alpha-node-1');
    t.equal(sts!.metadata.ownerReferences[0]!.uid, n1!.metadata.uid, 'the StatefulSet is owned by its LedgerNode');
    const c = sts!.spec.template.spec.containers[0]!;
    t.match(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    t.match(sts!.spec.template.spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    t.ok(c.readinessProbe, 'readiness probe');
    t.same(c.args.filter((a) => a.startsWith('1=') || a.startsWith('2=') || a.startsWith('3=')).length, 3, 'the address book lists the three nodes');
    t.ok(c.args.includes(`alpha-node-1-0.alpha-node-1.${ns}.svc:7000`), "the node's own Raft address");
    t.ok(op.stats().reconciles > 0);

    // Steady state: another pass writes nothing.
    const before = op.stats().apiRequests;
    await kubectl(['-n', ns, 'annotate', 'ledgernode', 'alpha-node-2', 'touched=1']);
    await waitFor(async () => (op.stats().queueDepth === 0 && op.stats().apiRequests >= before ? true : undefined), { ...WAIT, what: 'the queue to drain' });
    await new Promise((r) => setTimeout(r, 500));
    t.ok(op.stats().apiRequests - before <= 2, `an annotation change costs no writes (${op.stats().apiRequests - before} requests)`);
  });

  t.test('a spec change rolls out one node at a time', async (t) => {
    const ns = await testNamespace(kc, t, 'op-roll');
    operator({ namespaces: [ns] });
    await apply(ns, [genesis('beta'), network('beta'), ...[1, 2, 3].map((i) => ledgerNode('beta', i))]);
    await allReady(ns, 'ledgernodes', 3);

    // Watch the pods (a real watch, so no transition is missed between polls): how many of the
    // network's nodes are down at once, at most.
    const watched = ['beta-node-1-0', 'beta-node-2-0', 'beta-node-3-0'];
    const down = new Set<string>();
    let maxDown = 0;
    const rolled = new Set<string>();
    const seen = new Set<string>();
    type PodEvent = { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { image: string }[] }; status: { conditions?: { type: string; status: string }[] } };
    const watch = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns}/pods`,
      {},
      (type: string, p: PodEvent) => {
        const n = p.metadata.name;
        if (!watched.includes(n)) return;
        seen.add(n);
        const ready = type !== 'DELETED' && p.metadata.deletionTimestamp === undefined && conditionStatus(p, 'Ready') === 'True';
        if (ready) down.delete(n);
        else down.add(n);
        if (ready && p.spec.containers[0]!.image === 'example.org/ledger-node:2') rolled.add(n);
        maxDown = Math.max(maxDown, down.size);
      },
      () => {},
    );
    await waitFor(async () => (seen.size === 3 && down.size === 0 ? true : undefined), { ...WAIT, what: 'the watch to see three Ready pods' });
    maxDown = 0;
    await kubectl(['-n', ns, 'patch', 'konsortiumnetwork', 'beta', '--type=merge', '-p', '{"spec":{"image":"example.org/ledger-node:2"}}']);
    await waitFor(async () => (rolled.size === 3 ? true : undefined), { ...WAIT, what: 'all three nodes on the new image' });
    watch.abort();
    t.equal(rolled.size, 3, 'every node runs the new image');
    t.equal(maxDown, 1, 'never more than one node down at a time');
    await allReady(ns, 'ledgernodes', 3);
  });

  t.test('conflicting writes are retried; changes behind its back are put back', async (t) => {
    const ns = await testNamespace(kc, t, 'op-conflict');
    let meddled = 0;
    const op = operator({
      namespaces: [ns],
      // Between reading the node and writing its finalizer, someone else writes the node: the
      // finalizer patch (guarded by resourceVersion) gets 409 and the queue retries.
      onStep: async (step, key) => {
        if (step === 'before-finalizer' && key.endsWith('/gamma-node-1') && meddled === 0) {
          meddled++;
          await kubectl(['-n', ns, 'label', 'ledgernode', 'gamma-node-1', 'meddled=yes']);
        }
      },
    });
    await apply(ns, [genesis('gamma'), network('gamma'), ledgerNode('gamma', 1)]);
    await allReady(ns, 'ledgernodes', 1);
    t.equal(meddled, 1);
    t.ok(op.stats().failures >= 1, `the conflicting write failed and was retried (${op.stats().failures} failures)`);
    const n = await getJson<{ metadata: { labels: Record<string, string>; finalizers: string[] } }>(ns, 'ledgernode', 'gamma-node-1');
    t.equal(n!.metadata.labels.meddled, 'yes', "the other writer's change is kept");
    t.same(n!.metadata.finalizers, [FINALIZER], 'and the finalizer is there');

    // Another manager scales the StatefulSet to 0 and swaps the image: the operator takes its fields back.
    await kubectl(['-n', ns, 'patch', 'statefulset', 'gamma-node-1', '--type=merge', '-p', '{"spec":{"replicas":0}}']);
    await waitFor(
      async () => {
        const s = await getJson<{ spec: { replicas: number }; status: { readyReplicas?: number } }>(ns, 'statefulset', 'gamma-node-1');
        return s!.spec.replicas === 1 && s!.status.readyReplicas === 1 ? true : undefined;
      },
      { ...WAIT, what: 'the StatefulSet back at 1 replica' },
    );
    t.pass('replicas restored');
    await kubectl(['-n', ns, 'delete', 'service', 'gamma-node-1', '--wait=true']);
    await waitFor(async () => ((await getJson(ns, 'service', 'gamma-node-1')) !== null ? true : undefined), { ...WAIT, what: 'the Service re-created' });
    t.pass('a deleted Service is re-created');
  });

  t.test('deleting leaves nothing behind', async (t) => {
    const ns = await testNamespace(kc, t, 'op-delete');
    operator({ namespaces: [ns] });
    await apply(ns, [genesis('delta'), network('delta'), ...[1, 2].map((i) => ledgerNode('delta', i))]);
    await allReady(ns, 'ledgernodes', 2);
    const owned = async (): Promise<string[]> =>
      (await Promise.all(['statefulsets', 'pods', 'pvc', 'services', 'secrets', 'configmaps', 'pdb', 'networkpolicies'].map(async (k) => (await names(ns, k, 'app.kubernetes.io/managed-by=konsortium-operator')).map((n) => `${k}/${n}`)))).flat();
    t.ok((await owned()).length >= 14, 'objects exist before');

    await kubectl(['-n', ns, 'delete', 'ledgernode', 'delta-node-2', '--wait=true', '--timeout=60s']);
    await waitFor(async () => ((await owned()).some((n) => n.includes('delta-node-2')) ? undefined : true), { ...WAIT, what: "node 2's objects gone" });
    t.pass("a node's StatefulSet, pod, volume claim, Service, ConfigMap and keys are gone with it");

    await kubectl(['-n', ns, 'delete', 'konsortiumnetwork', 'delta', '--wait=true', '--timeout=60s']);
    await waitFor(async () => ((await owned()).length === 0 && (await names(ns, 'ledgernodes')).length === 0 ? true : undefined), { ...WAIT, what: 'everything gone' });
    t.same(await owned(), [], 'deleting the network deleted its nodes and everything they owned');
    t.same(await names(ns, 'configmaps'), ['delta-genesis', 'kube-root-ca.crt'], "only what the operator did not make is left");
  });

  t.test('leader election: one of two operators reconciles; the other takes over when it stops', async (t) => {
    const ns = await testNamespace(kc, t, 'op-lease');
    const lease = { namespace: ns, name: 'konsortium-operator', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const a = operator({ namespaces: [ns], leaderElection: { ...lease, identity: 'a' } });
    await a.started;
    const b = operator({ namespaces: [ns], leaderElection: { ...lease, identity: 'b' } });
    await apply(ns, [genesis('eps'), network('eps'), ledgerNode('eps', 1)]);
    await allReady(ns, 'ledgernodes', 1);
    t.ok(a.stats().leader && !b.stats().leader, 'a leads, b stands by');
    t.equal(b.stats().reconciles, 0, 'b has reconciled nothing');
    const holder = await getJson<{ spec: { holderIdentity: string } }>(ns, 'lease', 'konsortium-operator');
    t.equal(holder!.spec.holderIdentity, 'a');

    await a.stop(); // releases the lease
    await b.started;
    t.ok(b.stats().leader, 'b took over');
    await apply(ns, ledgerNode('eps', 2));
    await allReady(ns, 'ledgernodes', 2);
    t.ok(b.stats().reconciles > 0, 'and reconciles');
  });
}

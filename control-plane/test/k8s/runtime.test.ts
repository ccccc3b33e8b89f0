/**
 * `KubernetesNodeRuntime` against a real kube-apiserver (with kube-controller-manager, so the
 * garbage collector runs), through `npm run test:k8s` (scripts/k8s/test.sh). No operator runs
 * here: the test writes the LedgerNode's status itself, as the operator would.
 *
 * - ensureNode applies the LedgerNode, the keys Secret and the genesis ConfigMap by
 *   server-side apply (field manager konsortium-control-plane); the same spec again changes
 *   nothing (resourceVersions unchanged); a changed spec updates them;
 * - the Secret and ConfigMap are owned by the LedgerNode: the garbage collector deletes them
 *   once it is gone;
 * - the CRD's validation (transition rules, CEL rules) refuses bad resources, and the runtime
 *   surfaces the API server's message in a KubernetesApiError;
 * - status maps the conditions on the status subresource; removeNode of an absent node is fine;
 * - no key material is in the LedgerNode or the ConfigMap.
 *
 * Every wait is bounded.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import t from 'tap';
import { CRD_DIR, kubeConfig, kubectl, testNamespace } from '../../../test/lib/k8s.js';
import { waitFor } from '../../../test/lib/process.js';
import { checkKubernetesAccess } from '../../src/platform/kubernetes.js';
import {
  buildLedgerNode,
  type CustomObjectsClient,
  FIELD_MANAGER,
  KubernetesApiError,
  KubernetesNodeRuntime,
  LEDGER_NODE_API_VERSION,
  LEDGER_NODE_GROUP,
  LEDGER_NODE_KIND,
  LEDGER_NODE_PLURAL,
  LEDGER_NODE_VERSION,
  ledgerNodeAddresses,
  type LedgerNodeProfile,
  type NodeSpec,
} from '../../src/runtime/index.js';

const NETWORK = 'acme';
const GC_TIMEOUT_MS = 120_000;

interface Obj {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
    managedFields?: { manager: string; operation: string; subresource?: string }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
}

/**
 * The chart's CRDs exactly as written, by kubectl. (`applyCrds` of test/lib/k8s.ts sends them
 * through the client's ObjectSerializer, which drops the schema keys it has no model field
 * for: `x-kubernetes-validations`, `default`, `x-kubernetes-list-type`… so the CEL rules this
 * test checks would be missing; the schema is atomic, so the last apply wins.) Resolves once
 * the LedgerNode CRD is Established and its CEL rules are in force in `namespace`.
 */
async function applyChartCrds(kc: KubeConfig, namespace: string): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=konsortium-tests', '-f', CRD_DIR]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/konsortiumnetworks.konsortium.dev', 'crd/ledgernodes.konsortium.dev']);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const bad = {
    apiVersion: LEDGER_NODE_API_VERSION,
    kind: LEDGER_NODE_KIND,
    metadata: { name: 'cel-probe', namespace },
    spec: { network: NETWORK, nodeId: 1, kind: 'dedicated', role: 'voter', channels: { configMapRef: { name: 'x' }, names: ['consortium'] } },
  };
  await waitFor(
    async () => {
      try {
        await custom.createNamespacedCustomObject({ group: LEDGER_NODE_GROUP, version: LEDGER_NODE_VERSION, plural: LEDGER_NODE_PLURAL, namespace, body: bad, dryRun: 'All' });
        return undefined;
      } catch (err) {
        if ((err as { code?: unknown }).code === 422) return true;
        throw err;
      }
    },
    { timeoutMs: 30_000, intervalMs: 250, what: "the LedgerNode CRD's CEL rules to be in force" },
  );
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 404;
}

function fixture(kc: KubeConfig, namespace: string) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const ref = (name: string) => ({ group: LEDGER_NODE_GROUP, version: LEDGER_NODE_VERSION, plural: LEDGER_NODE_PLURAL, namespace, name });
  const keysOf = new Map<number, Record<string, string>>();
  const keys = (id: number): Record<string, string> => {
    if (!keysOf.has(id)) keysOf.set(id, { intl: randomBytes(32).toString('hex'), seal: randomBytes(32).toString('hex') });
    return keysOf.get(id)!;
  };
  const peer = (id: number) => {
    const a = ledgerNodeAddresses(NETWORK, id, namespace);
    return { id, raftAddr: a.raftAddr, httpAddr: a.httpAddr };
  };
  const genesis = (channel: string) => ({ channel, suite: 'intl', timestamp: 1_700_000_000_000, members: [], nodes: [1, 2, 3].map((nodeId) => ({ nodeId, publicKey: `${nodeId}`.repeat(64), owner: 'operator' })) });
  const spec = (nodeId: number, over: Partial<NodeSpec> = {}): NodeSpec => ({
    network: NETWORK,
    nodeId,
    channels: [genesis('consortium'), genesis('payments')],
    keys: keys(nodeId),
    peers: [...new Set([1, 2, 3, nodeId])].map(peer),
    join: nodeId > 3,
    authJwksUrl: 'http://konsortium-control-plane.konsortium.svc:8700/.well-known/jwks.json',
    ...over,
  });
  return {
    custom,
    core,
    spec,
    peer,
    keys,
    async node(name: string): Promise<Obj | undefined> {
      try {
        return (await custom.getNamespacedCustomObject(ref(name))) as Obj;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async secret(name: string): Promise<Obj | undefined> {
      try {
        return (await core.readNamespacedSecret({ name, namespace })) as unknown as Obj;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async configMap(name: string): Promise<Obj | undefined> {
      try {
        return (await core.readNamespacedConfigMap({ name, namespace })) as unknown as Obj;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    /** The operator's write: its conditions (and restarts) on the status subresource, by server-side apply. */
    async writeStatus(name: string, status: { conditions: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; observedGeneration?: number }[]; observedGeneration?: number; restarts?: number }): Promise<void> {
      const now = new Date().toISOString();
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...ref(name),
          body: {
            apiVersion: LEDGER_NODE_API_VERSION,
            kind: LEDGER_NODE_KIND,
            metadata: { name, namespace },
            status: {
              ...status,
              conditions: status.conditions.map((c) => ({ reason: 'Test', message: '', lastTransitionTime: now, ...c })),
            },
          },
          fieldManager: 'konsortium-operator',
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    },
    ref,
  };
}

t.test('KubernetesNodeRuntime against a real API server', async (t) => {
  const kc = kubeConfig();
  const namespace = await testNamespace(kc, t, 'cp-runtime');
  await applyChartCrds(kc, namespace);
  const f = fixture(kc, namespace);
  const profiles = new Map<number, LedgerNodeProfile>([[4, { kind: 'dedicated', tenant: 'bank-1' }]]);
  const rt = new KubernetesNodeRuntime({ namespace, kubeConfig: kc, profile: async (_network, id) => profiles.get(id) ?? { kind: 'shared' } });
  t.teardown(() => rt.close());

  await t.test('ensureNode: the LedgerNode, keys Secret and genesis ConfigMap by server-side apply', async (t) => {
    const spec = f.spec(1);
    const addr = await rt.ensureNode(spec);
    t.same(addr, await rt.addresses(NETWORK, 1));
    t.equal(addr.httpUrl, `http://acme-node-1-0.acme-node-1.${namespace}.svc:8080`);

    const cr = await f.node('acme-node-1');
    t.ok(cr, 'the LedgerNode exists');
    t.same(cr!.spec, buildLedgerNode(spec, { namespace }).spec, 'its spec is exactly what the builder made (the server added nothing)');
    t.match(cr!.spec, { role: 'voter', join: false, kind: 'shared', keysSecretRef: { name: 'acme-node-1-keys', key: 'keys.json' } });
    const secret = await f.secret('acme-node-1-keys');
    const cm = await f.configMap('acme-node-1-genesis');
    t.ok(secret && cm, 'the Secret and the ConfigMap exist');
    t.same(JSON.parse(Buffer.from(secret!.data!['keys.json']!, 'base64').toString('utf8')), spec.keys, 'the Secret holds the key file');
    t.same(Object.keys(cm!.data!).sort(), ['consortium.genesis.json', 'payments.genesis.json']);
    t.same(JSON.parse(cm!.data!['payments.genesis.json']!), spec.channels[1]);

    for (const [what, o] of [['LedgerNode', cr], ['Secret', secret], ['ConfigMap', cm]] as const) {
      const mine = (o!.metadata.managedFields ?? []).filter((m) => m.manager === FIELD_MANAGER);
      t.same(mine.map((m) => m.operation), ['Apply'], `${what}: one server-side apply entry by ${FIELD_MANAGER}`);
      t.notOk((o!.metadata.managedFields ?? []).some((m) => m.manager !== FIELD_MANAGER), `${what}: nobody else manages a field`);
    }
    for (const o of [secret, cm]) {
      t.same(
        o!.metadata.ownerReferences?.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid })),
        [{ apiVersion: 'konsortium.dev/v1alpha1', kind: 'LedgerNode', name: 'acme-node-1', uid: cr!.metadata.uid }],
        `${o!.metadata.name} is owned by the LedgerNode`,
      );
    }

    const keyFileB64 = secret!.data!['keys.json']!;
    for (const [what, o] of [['LedgerNode', cr], ['ConfigMap', cm]] as const) {
      const text = JSON.stringify(o);
      t.notOk(Object.values(spec.keys).some((k) => text.includes(k)), `no private key in the ${what}`);
      t.notOk(text.includes(keyFileB64), `no key file in the ${what}`);
    }
  });

  await t.test('the same spec again changes nothing; a changed spec updates', async (t) => {
    const before = await Promise.all([f.node('acme-node-1'), f.secret('acme-node-1-keys'), f.configMap('acme-node-1-genesis')]);
    await rt.ensureNode(f.spec(1));
    await rt.ensureNode(f.spec(1));
    const after = await Promise.all([f.node('acme-node-1'), f.secret('acme-node-1-keys'), f.configMap('acme-node-1-genesis')]);
    t.same(after.map((o) => o!.metadata.resourceVersion), before.map((o) => o!.metadata.resourceVersion), 'resourceVersions unchanged');
    t.equal(after[0]!.metadata.generation, before[0]!.metadata.generation, 'generation unchanged');

    const peers = [1, 2, 3, 4].map(f.peer);
    const changed = f.spec(1, { peers, channels: [...f.spec(1).channels, { channel: 'bonds', suite: 'intl', timestamp: 1, members: [], nodes: [] }] });
    await rt.ensureNode(changed);
    const [cr, secret, cm] = await Promise.all([f.node('acme-node-1'), f.secret('acme-node-1-keys'), f.configMap('acme-node-1-genesis')]);
    t.equal(cr!.metadata.generation, before[0]!.metadata.generation! + 1, 'the LedgerNode has a new generation');
    t.same(cr!.spec!['peers'], peers, 'with the new address book');
    t.same((cr!.spec!['channels'] as { names: string[] }).names, ['consortium', 'payments', 'bonds']);
    t.not(cm!.metadata.resourceVersion, before[2]!.metadata.resourceVersion, 'the ConfigMap changed');
    t.ok(cm!.data!['bonds.genesis.json'], 'with the new genesis document');
    t.equal(secret!.metadata.resourceVersion, before[1]!.metadata.resourceVersion, 'the Secret did not (same keys)');
    t.equal(cr!.metadata.uid, before[0]!.metadata.uid, 'the same object');

    await rt.ensureNode(f.spec(1));
    t.same(((await f.node('acme-node-1'))!.spec!['channels'] as { names: string[] }).names, ['consortium', 'payments'], 'and back (fields left out of the apply are removed)');
    t.notOk((await f.configMap('acme-node-1-genesis'))!.data!['bonds.genesis.json'], 'the ConfigMap key too');
  });

  await t.test('status: the conditions the operator writes', async (t) => {
    t.same(await rt.status(NETWORK, 1), { state: 'starting', restarts: 0 }, 'no status yet: starting');
    const gen = (await f.node('acme-node-1'))!.metadata.generation!;
    await f.writeStatus('acme-node-1', { observedGeneration: gen, conditions: [{ type: 'Progressing', status: 'True', reason: 'Creating' }, { type: 'Ready', status: 'False', reason: 'PodNotReady', message: 'waiting for the pod' }] });
    t.same(await rt.status(NETWORK, 1), { state: 'starting', restarts: 0, lastError: 'waiting for the pod' }, 'Progressing: starting');
    await f.writeStatus('acme-node-1', { observedGeneration: gen, restarts: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', observedGeneration: gen }, { type: 'Progressing', status: 'False' }] });
    t.same(await rt.status(NETWORK, 1), { state: 'running', restarts: 2 }, 'Ready: running');
    await f.writeStatus('acme-node-1', {
      observedGeneration: gen,
      restarts: 5,
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodNotReady' }, { type: 'Degraded', status: 'True', reason: 'CrashLoopBackOff', message: 'exit 2: bad genesis' }, { type: 'Progressing', status: 'False' }],
    });
    t.same(await rt.status(NETWORK, 1), { state: 'failed', restarts: 5, lastError: 'exit 2: bad genesis' }, 'Degraded: failed');
    await f.writeStatus('acme-node-1', {
      observedGeneration: gen,
      restarts: 6,
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodNotReady' }, { type: 'Degraded', status: 'True', reason: 'CrashLoopBackOff', message: 'restarting' }, { type: 'Progressing', status: 'True' }],
    });
    t.same(await rt.status(NETWORK, 1), { state: 'restarting', restarts: 6, lastError: 'restarting' }, 'Degraded while Progressing: restarting');
    await f.writeStatus('acme-node-1', { observedGeneration: gen, conditions: [{ type: 'Ready', status: 'True', observedGeneration: gen }] });
    t.same((await rt.status(NETWORK, 1)).state, 'running');

    const rv = (await f.node('acme-node-1'))!.metadata.resourceVersion;
    await rt.ensureNode(f.spec(1));
    const cr = await f.node('acme-node-1');
    t.equal(cr!.metadata.resourceVersion, rv, 'applying the same spec leaves the status alone');
    t.match(cr!.status, { conditions: [{ type: 'Ready', status: 'True' }] });

    await rt.ensureNode(f.spec(1, { authJwksUrl: 'https://cp.example/.well-known/jwks.json' }));
    t.same(await rt.status(NETWORK, 1), { state: 'starting', restarts: 0 }, 'a new generation the operator has not observed: starting');
    t.same(await rt.status(NETWORK, 9), { state: 'absent', restarts: 0 }, 'no such LedgerNode: absent');
  });

  await t.test('the API server refuses bad resources; the runtime says why', async (t) => {
    await rt.ensureNode(f.spec(4));
    const dedicated = await f.node('acme-node-4');
    t.match(dedicated!.spec, { kind: 'dedicated', tenant: 'bank-1', join: true, role: 'voter' });

    const refused = async (p: Promise<unknown>): Promise<KubernetesApiError> => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      t.ok(err instanceof KubernetesApiError, 'a KubernetesApiError');
      return err as KubernetesApiError;
    };
    let err = await refused(rt.ensureNode(f.spec(4, { join: false })));
    t.equal(err.status, 422);
    t.equal(err.reason, 'Invalid');
    t.match(err.message, new RegExp(`^LedgerNode ${namespace}/acme-node-4: the API server refused the apply \\(422 Invalid\\): .*join is immutable`));

    profiles.set(4, { kind: 'dedicated', tenant: 'bank-2' });
    err = await refused(rt.ensureNode(f.spec(4)));
    t.match(err.message, /spec\.tenant is immutable once set/, 'the tenant cannot change');
    profiles.set(4, { kind: 'dedicated', tenant: 'bank-1', storageSize: '20Gi' });
    err = await refused(rt.ensureNode(f.spec(4)));
    t.match(err.message, /storage\.size is immutable/, 'nor the volume size');
    profiles.set(4, { kind: 'dedicated', tenant: 'bank-1' });
    t.equal((await f.node('acme-node-4'))!.metadata.resourceVersion, dedicated!.metadata.resourceVersion, 'refusals changed nothing');

    // A body the builders would never send (they refuse a dedicated profile without a
    // tenant): the CRD's own CEL rule refuses it, and its message comes back.
    const strip: CustomObjectsClient = {
      getNamespacedCustomObject: (p, o) => f.custom.getNamespacedCustomObject(p, o),
      deleteNamespacedCustomObject: (p, o) => f.custom.deleteNamespacedCustomObject(p, o),
      patchNamespacedCustomObject: (p, o) => {
        const body = p.body as { spec: Record<string, unknown> };
        const { tenant: _tenant, ...spec } = body.spec;
        return f.custom.patchNamespacedCustomObject({ ...p, body: { ...body, spec } }, o);
      },
    };
    const tampering = new KubernetesNodeRuntime({ namespace, clients: { customObjects: strip, core: kc.makeApiClient(CoreV1Api) }, profile: { kind: 'dedicated', tenant: 'bank-9' } });
    err = await refused(tampering.ensureNode(f.spec(5)));
    t.match(err.message, new RegExp(`^LedgerNode ${namespace}/acme-node-5: the API server refused the apply \\(422 Invalid\\): .*a dedicated node names its tenant \\(spec\\.tenant\\)`));
    t.equal(await f.node('acme-node-5'), undefined, 'nothing was created');
    t.equal(await f.secret('acme-node-5-keys'), undefined, 'not even the Secret');

    await t.rejects(rt.ensureNode(f.spec(6, { peers: [1, 2, 3].map(f.peer) })), { name: 'RangeError', message: /the peers must include the node itself/ }, 'what the builders can check is refused before any call');
    t.equal(await f.node('acme-node-6'), undefined);
  });

  await t.test('the garbage collector removes the Secret and ConfigMap with their LedgerNode', async (t) => {
    await rt.ensureNode(f.spec(2));
    t.ok(await f.secret('acme-node-2-keys'));
    await f.custom.deleteNamespacedCustomObject({ ...f.ref('acme-node-2'), propagationPolicy: 'Background' });
    await waitFor(async () => ((await f.node('acme-node-2')) === undefined ? true : undefined), { timeoutMs: 30_000, what: 'the LedgerNode to be gone' });
    t.same(await rt.status(NETWORK, 2), { state: 'absent', restarts: 0 });
    await waitFor(async () => ((await f.secret('acme-node-2-keys')) === undefined && (await f.configMap('acme-node-2-genesis')) === undefined ? true : undefined), {
      timeoutMs: GC_TIMEOUT_MS,
      intervalMs: 500,
      what: 'the garbage collector to delete the keys Secret and the genesis ConfigMap',
    });
    t.pass('the owned Secret and ConfigMap are gone');
  });

  await t.test("the platform's start-up check (main.ts, worker-main.ts)", async (t) => {
    await t.resolves(checkKubernetesAccess(kc, namespace), 'the CRD is there and LedgerNodes can be listed');
  });

  await t.test('removeNode', async (t) => {
    await rt.removeNode(NETWORK, 1);
    t.equal(await f.node('acme-node-1'), undefined, 'the LedgerNode is gone (no operator finalizer here)');
    t.equal(await f.secret('acme-node-1-keys'), undefined, 'and the Secret');
    t.equal(await f.configMap('acme-node-1-genesis'), undefined, 'and the ConfigMap');
    t.same(await rt.status(NETWORK, 1), { state: 'absent', restarts: 0 });
    await t.resolves(rt.removeNode(NETWORK, 1), 'again: a no-op');
    await t.resolves(rt.removeNode(NETWORK, 77), 'a node that never existed: a no-op');
  });
});

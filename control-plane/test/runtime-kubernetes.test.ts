/**
 * The Kubernetes node runtime without a cluster: the pure builders (names, labels, the
 * LedgerNode apply body, the Secret and ConfigMap), the mapping of status conditions to a
 * NodeRunState, and the runtime's API calls against a recording fake.
 *
 * A test against a real kube-apiserver (and the operator reconciling these resources) comes
 * with the operator issue.
 */
import t from 'tap';
import {
  buildGenesisConfigMap,
  buildKeysSecret,
  buildLedgerNode,
  type CoreClient,
  type CustomObjectsClient,
  DEFAULT_STORAGE_SIZE,
  FIELD_MANAGER,
  KubernetesNodeRuntime,
  ledgerNodeAddresses,
  ledgerNodeLabels,
  ledgerNodeNames,
  type NodeSpec,
  nodeRunStatusFromResource,
  serverSideApplyOptions,
} from '../src/runtime/index.js';

const SEAL = 'ab'.repeat(32);
const SIGNING = 'cd'.repeat(32);

function spec(over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    network: 'acme',
    nodeId: 2,
    channels: [
      { channel: 'consortium', suite: 'intl', timestamp: 1, members: [], nodes: [] },
      { channel: 'payments', suite: 'intl', timestamp: 1, members: [], nodes: [] },
    ],
    keys: { intl: SIGNING, seal: SEAL },
    peers: [
      { id: 3, raftAddr: 'c:7000', httpAddr: 'c:8080' },
      { id: 1, raftAddr: 'a:7000', httpAddr: 'a:8080' },
      { id: 2, raftAddr: 'b:7000', httpAddr: 'b:8080' },
    ],
    join: false,
    ...over,
  };
}

t.test('names and addresses', async (t) => {
  t.same(ledgerNodeNames('acme', 2), { base: 'acme-node-2', pod: 'acme-node-2-0', secret: 'acme-node-2-keys', configMap: 'acme-node-2-genesis' });
  t.same(ledgerNodeAddresses('acme', 2, 'konsortium'), {
    raftAddr: 'acme-node-2-0.acme-node-2.konsortium.svc:7000',
    httpAddr: 'acme-node-2-0.acme-node-2.konsortium.svc:8080',
    httpUrl: 'http://acme-node-2-0.acme-node-2.konsortium.svc:8080',
  });
  t.equal(ledgerNodeAddresses('acme', 2, 'ns', 'cluster.local').raftAddr, 'acme-node-2-0.acme-node-2.ns.svc.cluster.local:7000');
  t.throws(() => ledgerNodeNames('Acme', 1), RangeError, 'upper case is no DNS label');
  t.throws(() => ledgerNodeNames('acme_1', 1), RangeError);
  t.throws(() => ledgerNodeNames('-acme', 1), RangeError);
  t.throws(() => ledgerNodeNames('a'.repeat(46), 1), RangeError, 'the base name stays within 52 characters');
  t.equal(ledgerNodeNames('a'.repeat(45), 1).base.length, 52, '45 + "-node-1" = 52 is fine');
  t.throws(() => ledgerNodeNames('acme', 0), RangeError);
  t.throws(() => ledgerNodeNames('acme', 1.5), RangeError);
  t.throws(() => ledgerNodeAddresses('acme', 1, 'Bad_NS'), RangeError);
});

t.test('labels', async (t) => {
  t.same(ledgerNodeLabels('acme', 2), {
    'app.kubernetes.io/name': 'konsortium-node',
    'app.kubernetes.io/instance': 'acme-node-2',
    'app.kubernetes.io/part-of': 'konsortium',
    'app.kubernetes.io/managed-by': 'konsortium-control-plane',
    'konsortium.dev/network': 'acme',
    'konsortium.dev/node-id': '2',
    'konsortium.dev/kind': 'shared',
  });
  const dedicated = ledgerNodeLabels('acme', 2, { kind: 'dedicated', tenant: 'bank-1' });
  t.equal(dedicated['konsortium.dev/kind'], 'dedicated');
  t.equal(dedicated['konsortium.dev/tenant'], 'bank-1');
  t.throws(() => ledgerNodeLabels('acme', 2, { kind: 'dedicated', tenant: 'no spaces' }), RangeError);
  t.throws(() => ledgerNodeLabels('acme', 2, { kind: 'other' as 'shared' }), RangeError);
});

t.test('the LedgerNode apply body', async (t) => {
  const cr = buildLedgerNode(spec({ authJwksUrl: 'http://cp.konsortium.svc:3000/.well-known/jwks.json' }), { namespace: 'konsortium' });
  t.equal(cr.apiVersion, 'konsortium.dev/v1alpha1');
  t.equal(cr.kind, 'LedgerNode');
  t.equal(cr.metadata.name, 'acme-node-2');
  t.equal(cr.metadata.namespace, 'konsortium');
  t.equal(cr.metadata.labels['konsortium.dev/network'], 'acme');
  t.notOk('ownerReferences' in cr.metadata);
  t.same(cr.spec, {
    network: 'acme',
    nodeId: 2,
    kind: 'shared',
    role: 'voter',
    channels: { configMapRef: { name: 'acme-node-2-genesis' }, names: ['consortium', 'payments'] },
    keysSecretRef: { name: 'acme-node-2-keys', key: 'keys.json' },
    peers: [
      { id: 1, raftAddr: 'a:7000', httpAddr: 'a:8080' },
      { id: 2, raftAddr: 'b:7000', httpAddr: 'b:8080' },
      { id: 3, raftAddr: 'c:7000', httpAddr: 'c:8080' },
    ],
    authJwksUrl: 'http://cp.konsortium.svc:3000/.well-known/jwks.json',
    storage: { size: DEFAULT_STORAGE_SIZE },
  });
  t.equal(DEFAULT_STORAGE_SIZE, '10Gi');
  t.same(cr, JSON.parse(JSON.stringify(cr)), 'plain JSON (what the apply PATCH sends)');
  t.equal(JSON.stringify(cr), JSON.stringify(buildLedgerNode(spec({ authJwksUrl: 'http://cp.konsortium.svc:3000/.well-known/jwks.json' }), { namespace: 'konsortium' })), 'deterministic');

  const learner = buildLedgerNode(spec({ join: true }), { namespace: 'konsortium' });
  t.equal(learner.spec.role, 'learner', 'a joining node is a learner');
  t.notOk('authJwksUrl' in learner.spec, 'no JWKS: no field');

  const dedicated = buildLedgerNode(spec(), {
    namespace: 'konsortium',
    profile: { kind: 'dedicated', tenant: 'bank-1', storageSize: '50Gi', storageClassName: 'fast', resources: { requests: { cpu: '500m', memory: '1Gi' } }, image: 'konsortium/node:1.2.3' },
  });
  t.equal(dedicated.spec.kind, 'dedicated');
  t.equal(dedicated.spec.tenant, 'bank-1');
  t.same(dedicated.spec.storage, { size: '50Gi', storageClassName: 'fast' });
  t.same(dedicated.spec.resources, { requests: { cpu: '500m', memory: '1Gi' } });
  t.equal(dedicated.spec.image, 'konsortium/node:1.2.3');
  t.equal(dedicated.metadata.labels['konsortium.dev/tenant'], 'bank-1');

  t.throws(() => buildLedgerNode(spec({ channels: [{ channel: 'Bad Name' }] }), { namespace: 'konsortium' }), RangeError);
  t.throws(() => buildLedgerNode(spec({ channels: [{ channel: 'x' }, { channel: 'x' }] }), { namespace: 'konsortium' }), RangeError, 'duplicate channel');
  t.throws(() => buildLedgerNode(spec(), { namespace: 'Bad' }), RangeError);
});

t.test('keys live in the Secret only, base64; genesis documents in the ConfigMap', async (t) => {
  const s = spec();
  const owner = { name: 'acme-node-2', uid: '1111-2222' };
  const secret = buildKeysSecret(s, { namespace: 'konsortium' }, owner);
  t.equal(secret.kind, 'Secret');
  t.equal(secret.type, 'Opaque');
  t.equal(secret.metadata.name, 'acme-node-2-keys');
  t.same(Object.keys(secret.data), ['keys.json']);
  t.match(secret.data['keys.json'], /^[A-Za-z0-9+/]+=*$/, 'base64');
  t.same(JSON.parse(Buffer.from(secret.data['keys.json']!, 'base64').toString('utf8')), { intl: SIGNING, seal: SEAL });
  t.same(secret.metadata.ownerReferences, [{ apiVersion: 'konsortium.dev/v1alpha1', kind: 'LedgerNode', name: 'acme-node-2', uid: '1111-2222', controller: false, blockOwnerDeletion: false }]);

  const cm = buildGenesisConfigMap(s, { namespace: 'konsortium' }, owner);
  t.equal(cm.kind, 'ConfigMap');
  t.equal(cm.metadata.name, 'acme-node-2-genesis');
  t.same(Object.keys(cm.data).sort(), ['consortium.genesis.json', 'payments.genesis.json']);
  t.same(JSON.parse(cm.data['payments.genesis.json']!), s.channels[1]);

  const cr = buildLedgerNode(s, { namespace: 'konsortium' });
  for (const [what, obj] of [['LedgerNode', cr], ['ConfigMap', cm]] as const) {
    const text = JSON.stringify(obj);
    t.notOk(text.includes(SIGNING) || text.includes(SEAL), `no private key in the ${what}`);
    t.notOk(text.includes(secret.data['keys.json']!), `no base64 key file in the ${what}`);
  }
  t.notOk('ownerReferences' in buildKeysSecret(s, { namespace: 'konsortium' }).metadata, 'no owner: no ownerReferences');
});

t.test('status conditions → NodeRunState', async (t) => {
  const cond = (type: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type, status, ...extra });
  const res = (conditions: unknown[], extra: { generation?: number; observedGeneration?: number; restarts?: number; deleting?: boolean } = {}): unknown => ({
    metadata: { name: 'acme-node-2', generation: extra.generation ?? 1, ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { conditions, observedGeneration: extra.observedGeneration ?? 1, ...(extra.restarts === undefined ? {} : { restarts: extra.restarts }) },
  });
  t.same(nodeRunStatusFromResource(null), { state: 'absent', restarts: 0 });
  t.same(nodeRunStatusFromResource(undefined), { state: 'absent', restarts: 0 });
  t.same(nodeRunStatusFromResource({ metadata: { name: 'x' } }), { state: 'starting', restarts: 0 }, 'no status yet');
  t.same(nodeRunStatusFromResource(res([cond('Progressing', 'True')])), { state: 'starting', restarts: 0 });
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'True'), cond('Progressing', 'False')], { restarts: 3 })), { state: 'running', restarts: 3 });
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'True')], { generation: 2, observedGeneration: 1 })), { state: 'starting', restarts: 0 }, 'a status older than the spec');
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'True', { observedGeneration: 2 })], { generation: 2, observedGeneration: 1 })).state, 'running', "the Ready condition's own generation counts");
  t.same(
    nodeRunStatusFromResource(res([cond('Ready', 'False', { reason: 'PodNotReady', message: 'waiting for a leader' }), cond('Progressing', 'True')])),
    { state: 'starting', restarts: 0, lastError: 'waiting for a leader' },
  );
  t.same(
    nodeRunStatusFromResource(res([cond('Ready', 'False'), cond('Degraded', 'True', { reason: 'CrashLoopBackOff', message: 'exit 2: bad genesis' }), cond('Progressing', 'True')], { restarts: 4 })),
    { state: 'restarting', restarts: 4, lastError: 'exit 2: bad genesis' },
  );
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'False'), cond('Degraded', 'True', { reason: 'VolumeFailed' }), cond('Progressing', 'False')])), {
    state: 'failed',
    restarts: 0,
    lastError: 'VolumeFailed',
  });
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'True'), cond('Degraded', 'True', { message: 'promotion pending' })])), {
    state: 'running',
    restarts: 0,
    lastError: 'promotion pending',
  });
  t.same(nodeRunStatusFromResource(res([cond('Ready', 'True')], { deleting: true })), { state: 'stopped', restarts: 0 }, 'being deleted');
  t.same(nodeRunStatusFromResource({ metadata: {}, status: { conditions: 'junk', restarts: -1 } }), { state: 'starting', restarts: 0 }, 'junk is ignored');
});

interface Call {
  method: string;
  param: Record<string, unknown>;
  options: unknown;
}

function fakeClients(opts: { missing?: boolean; status?: unknown } = {}): { calls: Call[]; customObjects: CustomObjectsClient; core: CoreClient } {
  const calls: Call[] = [];
  const notFound = (): Error => Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
  const rec = (method: string, result: (p: Record<string, unknown>) => unknown) => async (param: object, options?: unknown): Promise<unknown> => {
    calls.push({ method, param: param as Record<string, unknown>, options });
    return result(param as Record<string, unknown>);
  };
  const gone = (method: string) => async (param: object): Promise<unknown> => {
    calls.push({ method, param: param as Record<string, unknown>, options: undefined });
    if (opts.missing) throw notFound();
    return {};
  };
  return {
    calls,
    customObjects: {
      patchNamespacedCustomObject: rec('patchCR', (p) => ({ ...(p['body'] as object), metadata: { ...((p['body'] as { metadata: object }).metadata), uid: 'uid-42' } })),
      getNamespacedCustomObject: async (param) => {
        calls.push({ method: 'getCR', param: param as unknown as Record<string, unknown>, options: undefined });
        if (opts.missing) throw notFound();
        return opts.status;
      },
      deleteNamespacedCustomObject: gone('deleteCR'),
    },
    core: {
      patchNamespacedSecret: rec('patchSecret', (p) => p['body']),
      patchNamespacedConfigMap: rec('patchConfigMap', (p) => p['body']),
      deleteNamespacedSecret: gone('deleteSecret'),
      deleteNamespacedConfigMap: gone('deleteConfigMap'),
    },
  };
}

/** The Content-Type the options' middleware puts on a request. */
async function contentTypeOf(options: unknown): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  const ctx = { setHeaderParam: (k: string, v: string) => void (headers[k] = v) };
  for (const m of (options as { middleware?: { pre: (r: unknown) => { toPromise(): Promise<unknown> } }[] }).middleware ?? []) await m.pre(ctx).toPromise();
  return headers['Content-Type'];
}

t.test('KubernetesNodeRuntime: server-side apply of the three objects, status, removal', async (t) => {
  t.equal(await contentTypeOf(serverSideApplyOptions()), 'application/apply-patch+yaml');
  const fake = fakeClients({ status: { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] } } });
  const rt = new KubernetesNodeRuntime({ namespace: 'konsortium', clients: fake, profile: (network, id) => ({ kind: id === 2 ? 'dedicated' : 'shared', tenant: `${network}-t` }) });
  t.equal(rt.kind, 'kubernetes');
  const addr = await rt.ensureNode(spec({ join: true }));
  t.same(addr, await rt.addresses('acme', 2));
  t.equal(addr.httpUrl, 'http://acme-node-2-0.acme-node-2.konsortium.svc:8080');
  t.same(fake.calls.map((c) => c.method), ['patchCR', 'patchSecret', 'patchConfigMap'], 'the LedgerNode first, then what it owns');
  for (const c of fake.calls) {
    t.equal(c.param['fieldManager'], FIELD_MANAGER, `${c.method}: field manager`);
    t.equal(c.param['force'], true, `${c.method}: forced apply`);
    t.equal(await contentTypeOf(c.options), 'application/apply-patch+yaml', `${c.method}: server-side apply`);
  }
  const [cr, secret, cm] = fake.calls;
  t.match(cr!.param, { group: 'konsortium.dev', version: 'v1alpha1', plural: 'ledgernodes', namespace: 'konsortium', name: 'acme-node-2' });
  t.match(cr!.param['body'], { spec: { role: 'learner', kind: 'dedicated', tenant: 'acme-t' } });
  t.match(secret!.param, { name: 'acme-node-2-keys', namespace: 'konsortium' });
  t.match(secret!.param['body'], { metadata: { ownerReferences: [{ uid: 'uid-42', name: 'acme-node-2' }] } });
  t.match(cm!.param, { name: 'acme-node-2-genesis', namespace: 'konsortium' });

  fake.calls.length = 0;
  await rt.ensureNode(spec({ join: true }));
  t.same(fake.calls.map((c) => c.param['body']), [cr!.param['body'], secret!.param['body'], cm!.param['body']], 'the same spec applies the same bodies (idempotent)');

  t.same(await rt.status('acme', 2), { state: 'running', restarts: 0 });
  fake.calls.length = 0;
  await rt.removeNode('acme', 2);
  t.same(fake.calls.map((c) => c.method), ['deleteCR', 'deleteSecret', 'deleteConfigMap']);
  t.equal(fake.calls[0]!.param['propagationPolicy'], 'Background');
  await rt.close();

  const empty = fakeClients({ missing: true });
  const rt2 = new KubernetesNodeRuntime({ namespace: 'konsortium', clients: empty });
  t.same(await rt2.status('acme', 2), { state: 'absent', restarts: 0 }, '404: absent');
  await t.resolves(rt2.removeNode('acme', 2), 'removing what is not there is a no-op');
  t.throws(() => new KubernetesNodeRuntime({ namespace: 'Not A Namespace', clients: empty }), RangeError);
});

/**
 * The Kubernetes node runtime without a cluster: the pure builders (names, labels, the
 * LedgerNode apply body, the Secret and ConfigMap), the mapping of status conditions to a
 * NodeRunState, and the runtime's API calls against a recording fake.
 *
 * The same runtime against a real kube-apiserver: test/k8s/runtime.test.ts (`npm run test:k8s`).
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
  KubernetesApiError,
  kubernetesApiError,
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
  t.throws(() => ledgerNodeNames('a'.repeat(41), 1), RangeError, 'the CRD takes network names of at most 40 characters');
  t.equal(ledgerNodeNames('a'.repeat(40), 65535).base.length, 51, 'the longest base name stays within 52 characters');
  t.throws(() => ledgerNodeNames('acme', 65536), RangeError, 'the CRD takes node ids up to 65535');
  t.throws(() => ledgerNodeNames('acme-', 1), RangeError);
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
  t.throws(() => ledgerNodeLabels('acme', 2, { kind: 'dedicated', tenant: 'bank.1' }), RangeError, 'the CRD refuses dots in a tenant');
  t.throws(() => ledgerNodeLabels('acme', 2, { kind: 'dedicated', tenant: '-bank' }), RangeError, 'a label value starts with a letter or digit');
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
    join: false,
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

  const joining = buildLedgerNode(spec({ join: true }), { namespace: 'konsortium' });
  t.equal(joining.spec.role, 'voter', 'a joining node still ends up a voter (the operator adds it as a learner and promotes it)');
  t.equal(joining.spec.join, true, 'join: not in the genesis');
  t.notOk('authJwksUrl' in joining.spec, 'no JWKS: no field');

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
  t.throws(() => buildLedgerNode(spec({ channels: [] }), { namespace: 'konsortium' }), /1\.\.64 channels/, 'the CRD wants at least one channel');
  t.throws(() => buildLedgerNode(spec({ channels: [{ channel: 'x' }, { channel: 'x' }] }), { namespace: 'konsortium' }), RangeError, 'duplicate channel');
  t.throws(() => buildLedgerNode(spec(), { namespace: 'Bad' }), RangeError);
});

t.test('the builder refuses what the CRD would refuse', async (t) => {
  const ns = { namespace: 'konsortium' };
  const build = (over: Partial<NodeSpec>, profile?: Parameters<typeof buildLedgerNode>[1]['profile']) => () => buildLedgerNode(spec(over), { ...ns, ...(profile ? { profile } : {}) });
  t.throws(build({}, { kind: 'dedicated' }), /a dedicated node names its tenant/);
  t.throws(build({}, { kind: 'shared', tenant: 'bank-1' }), /a shared node serves every tenant/);
  t.throws(build({}, { kind: 'shared', storageSize: '10 GB' }), /storageSize must be a quantity/);
  t.throws(build({}, { kind: 'shared', storageClassName: '' }), /storageClassName/);
  t.throws(build({}, { kind: 'shared', resources: { limits: { cpu: 'lots' } } }), /resources\.limits\.cpu/);
  t.throws(build({}, { kind: 'shared', image: '' }), /image/);
  t.doesNotThrow(build({}, { kind: 'shared', storageSize: '1.5Gi', resources: { requests: { cpu: '250m', memory: '512Mi' } } }));

  t.throws(build({ peers: [{ id: 1, raftAddr: 'a:7000', httpAddr: 'a:8080' }] }), /the peers must include the node itself/);
  t.throws(build({ peers: [{ id: 2, raftAddr: 'http://b:7000', httpAddr: 'b:8080' }] }), /peer 2 raftAddr must be host:port/);
  t.throws(build({ peers: [{ id: 2, raftAddr: 'b:7000', httpAddr: 'b' }] }), /peer 2 httpAddr must be host:port/);
  t.throws(build({ peers: [{ id: 2, raftAddr: 'b:70000', httpAddr: 'b:8080' }] }), /host:port/, 'a port above 65535');
  t.throws(build({ peers: [{ id: 2, raftAddr: 'b:7000', httpAddr: 'b:8080' }, { id: 70000, raftAddr: 'x:7000', httpAddr: 'x:8080' }] }), /at most 65535/);
  const alone = buildLedgerNode(spec({ peers: [] }), ns);
  t.notOk('peers' in alone.spec, 'no address book: the field is left out (the operator computes it)');
  t.same(buildLedgerNode(spec({ peers: [{ id: 2, raftAddr: '10.0.0.2:7000', httpAddr: '10.0.0.2:8080' }] }), ns).spec.peers, [{ id: 2, raftAddr: '10.0.0.2:7000', httpAddr: '10.0.0.2:8080' }]);
  t.throws(build({ authJwksUrl: `http://x/${'a'.repeat(2048)}` }), /2048/);
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
  const rt = new KubernetesNodeRuntime({
    namespace: 'konsortium',
    clients: fake,
    // A lookup (the platform asks its database): the tenant of a dedicated node.
    profile: async (network, id) => (id === 2 ? { kind: 'dedicated', tenant: `${network}-t` } : { kind: 'shared' }),
  });
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
  t.match(cr!.param['body'], { spec: { role: 'voter', join: true, kind: 'dedicated', tenant: 'acme-t' } });
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

t.test('API errors: the server\'s status and message, naming the object', async (t) => {
  const invalid = {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'LedgerNode.konsortium.dev "acme-node-2" is invalid: spec.join: Invalid value: "boolean": join is immutable',
    reason: 'Invalid',
    code: 422,
  };
  const apiException = (code: number, body: unknown): Error => Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}\nHeaders: {"audit-id":"x"}`), { code, body });
  const fake = fakeClients();
  fake.customObjects.patchNamespacedCustomObject = async () => {
    throw apiException(422, JSON.stringify(invalid));
  };
  const rt = new KubernetesNodeRuntime({ namespace: 'konsortium', clients: fake });
  const err = await rt.ensureNode(spec()).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof KubernetesApiError, 'a KubernetesApiError');
  t.match(err, { status: 422, reason: 'Invalid', serverMessage: invalid.message, code: 'KUBERNETES_API_ERROR' });
  t.equal((err as Error).message, `LedgerNode konsortium/acme-node-2: the API server refused the apply (422 Invalid): ${invalid.message}`);
  t.notOk(fake.calls.some((c) => c.method === 'patchSecret'), 'nothing applied after the refusal');

  fake.core.patchNamespacedSecret = async () => {
    throw apiException(403, { kind: 'Status', reason: 'Forbidden', message: 'secrets "acme-node-2-keys" is forbidden: no RBAC' });
  };
  fake.customObjects.patchNamespacedCustomObject = async () => ({ metadata: { uid: 'u' } });
  await t.rejects(rt.ensureNode(spec()), { status: 403, message: 'Secret konsortium/acme-node-2-keys: the API server refused the apply (403 Forbidden): secrets "acme-node-2-keys" is forbidden: no RBAC' });

  fake.customObjects.getNamespacedCustomObject = async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  };
  await t.rejects(rt.status('acme', 2), { status: 0, message: 'LedgerNode konsortium/acme-node-2: the API server did not answer the read (connect ECONNREFUSED 127.0.0.1:6443)' });
  fake.core.deleteNamespacedConfigMap = async () => {
    throw apiException(500, 'etcd is down');
  };
  await t.rejects(rt.removeNode('acme', 2), { status: 500, message: 'ConfigMap konsortium/acme-node-2-genesis: the API server refused the delete (500): etcd is down' });
  t.equal(kubernetesApiError(err, 'x', 'y'), err, 'not wrapped twice');
});

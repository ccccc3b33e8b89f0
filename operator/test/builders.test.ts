/**
 * The builders: node settings (image, address book, command line), the StatefulSet (restricted
 * Pod Security Standard, owner, spec hash), the headless Service, the network's PDB and
 * NetworkPolicy, generated node keys, the settings ConfigMap and owner references.
 */
import t from 'tap';
import { fromHex, suiteById, type SuiteId, toHex, x25519PublicKey } from '@konsortium/protocol';
import { DEFAULT_NODE_IMAGE, KEYS_SECRET_KEY, type KonsortiumNetwork, type KubeObject, LABEL, type LedgerNode, type LedgerNodeSpec, SPEC_HASH_ANNOTATION } from '../src/api-types.js';
import { ownerRef, specHash } from '../src/builders/meta.js';
import { buildNetworkPdb, buildNetworkPolicy } from '../src/builders/network-objects.js';
import { buildNodeConfigMap } from '../src/builders/node-config.js';
import { generateNodeKeys } from '../src/builders/node-keys.js';
import { buildNodeService } from '../src/builders/node-service.js';
import { addressBook, nodeAddress, type OperatorDefaults, resolveNodeSettings } from '../src/builders/node-settings.js';
import { buildStatefulSet } from '../src/builders/statefulset.js';

const NS = 'bank-a';

const network = (spec: Partial<KonsortiumNetwork['spec']> = {}, name = 'net1'): KonsortiumNetwork => ({
  apiVersion: 'konsortium.dev/v1alpha1',
  kind: 'KonsortiumNetwork',
  metadata: { name, namespace: NS, uid: `uid-${name}`, generation: 1 },
  spec: { suite: 'intl', channels: [{ name: 'payments' }, { name: 'audit' }], consensus: { tickMs: 50, electionTicks: 20, heartbeatTicks: 2, snapshotEntries: 5000 }, image: 'registry.example/net-image:2', ...spec },
});

const ledgerNode = (name: string, nodeId: number, spec: Partial<LedgerNodeSpec> = {}, net = 'net1'): LedgerNode => ({
  apiVersion: 'konsortium.dev/v1alpha1',
  kind: 'LedgerNode',
  metadata: { name, namespace: NS, uid: `uid-${name}`, generation: 3 },
  spec: { network: net, nodeId, kind: 'shared', role: 'voter', channels: { configMapRef: { name: `${net}-genesis` }, names: ['payments', 'audit'] }, ...spec },
});

const NET = network();
const N1 = ledgerNode('node-1', 1);
const N2 = ledgerNode('node-2', 2);
const N3 = ledgerNode('node-3', 3, { join: true });
const OTHER = ledgerNode('other-4', 4, {}, 'net2');
/** The node ids the fixture network's genesis documents list. */
const GENESIS_IDS = [1, 2] as const;
const SIBLINGS = [N1, N2, N3, OTHER];
const D: OperatorDefaults = { nodeImage: 'registry.example/operator-default:1' };

/** The values following each occurrence of `flag` in `args`. */
const flagValues = (args: readonly string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

interface Container {
  name: string;
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext?: { allowPrivilegeEscalation?: boolean; privileged?: boolean; runAsNonRoot?: boolean; runAsUser?: number; capabilities?: { drop?: string[]; add?: string[] }; seccompProfile?: { type: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes: Record<string, unknown>[];
}
interface StsSpec {
  replicas: number;
  serviceName: string;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates: { spec: { resources: { requests: { storage: string } }; storageClassName?: string } }[];
}
const stsSpec = (o: KubeObject): StsSpec => o.spec as StsSpec;

const buildFor = (node: LedgerNode, net: KonsortiumNetwork | null = NET, siblings: readonly LedgerNode[] = SIBLINGS, d: OperatorDefaults = D) => {
  const s = resolveNodeSettings(node, net, siblings, d, GENESIS_IDS);
  return { s, sts: buildStatefulSet(node, s) };
};

/** Violations of the restricted Pod Security Standard (the checks of the `restricted` level). */
function restrictedViolations(pod: PodSpec): string[] {
  const v: string[] = [];
  if (pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true) v.push('host namespaces');
  const allowedVolumes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
  for (const vol of pod.volumes) {
    for (const k of Object.keys(vol)) if (k !== 'name' && !allowedVolumes.has(k)) v.push(`volume ${String(vol.name)} of type ${k}`);
  }
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  if (pod.securityContext?.runAsUser === 0) v.push('pod runAsUser 0');
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities not dropping ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${c.name}: adds ${cap}`);
    if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) v.push(`${c.name}: runAsNonRoot not true`);
    if (sc.runAsUser === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccomp ${seccomp}`);
  }
  return v;
}

t.test('the pod meets the restricted Pod Security Standard', async (t) => {
  const pod = stsSpec(buildFor(N1).sts).template.spec;
  t.same(restrictedViolations(pod), [], 'no violations');
  t.equal(pod.securityContext?.runAsNonRoot, true);
  t.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  t.not(pod.securityContext?.runAsUser, 0);
  const c = pod.containers[0]!;
  t.equal(c.securityContext?.allowPrivilegeEscalation, false);
  t.same(c.securityContext?.capabilities?.drop, ['ALL']);
  t.notOk(c.securityContext?.privileged);
  t.notOk(pod.hostNetwork);
  t.notOk(
    JSON.stringify(pod).includes('hostPath'),
    'no hostPath anywhere',
  );
  // The checker itself catches what it should.
  t.same(
    restrictedViolations({
      ...pod,
      hostNetwork: true,
      securityContext: {},
      volumes: [...pod.volumes, { name: 'h', hostPath: { path: '/' } }],
      containers: [{ ...c, securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }],
    }),
    ['host namespaces', 'volume h of type hostPath', 'node: privileged', 'node: allowPrivilegeEscalation not false', 'node: capabilities not dropping ALL', 'node: adds SYS_ADMIN', 'node: runAsNonRoot not true', 'node: seccomp undefined'],
    'the checker flags what the restricted level forbids',
  );
});

t.test('the StatefulSet: one replica, owned by its LedgerNode, labels and selector', async (t) => {
  const { s, sts } = buildFor(N1);
  const spec = stsSpec(sts);
  t.equal(sts.kind, 'StatefulSet');
  t.equal(sts.metadata.name, 'node-1');
  t.equal(sts.metadata.namespace, NS);
  t.equal(spec.replicas, 1);
  t.equal(spec.serviceName, 'node-1', 'governed by the headless Service of the same name');
  t.same(sts.metadata.ownerReferences, [{ apiVersion: 'konsortium.dev/v1alpha1', kind: 'LedgerNode', name: 'node-1', uid: 'uid-node-1', controller: true, blockOwnerDeletion: true }]);
  t.same(spec.selector.matchLabels, { [LABEL.ledgerNode]: 'node-1' });
  const podLabels = spec.template.metadata.labels;
  for (const [k, v] of Object.entries(spec.selector.matchLabels)) t.equal(podLabels[k], v, `pod template carries selector label ${k}`);
  t.equal(podLabels[LABEL.network], 'net1');
  t.equal(podLabels[LABEL.nodeId], '1');
  const c = spec.template.spec.containers[0]!;
  t.equal(c.image, s.image);
  t.same(c.args, s.args);
  t.same(
    c.ports.map((p) => [p.name, p.containerPort]),
    [
      ['raft', 7000],
      ['http', 8080],
    ],
  );
  const keysVolume = spec.template.spec.volumes.find((v) => v.name === 'keys') as { secret: { secretName: string } };
  t.equal(keysVolume.secret.secretName, 'node-1-keys', 'generated keys Secret when the spec names none');
  const genesis = spec.template.spec.volumes.find((v) => v.name === 'genesis') as { configMap: { name: string } };
  t.equal(genesis.configMap.name, 'net1-genesis');
  t.equal(spec.volumeClaimTemplates[0]!.spec.resources.requests.storage, '10Gi', 'default storage size');
  t.notOk('storageClassName' in spec.volumeClaimTemplates[0]!.spec, 'no storage class unless named');
  const custom = stsSpec(buildFor(ledgerNode('node-1', 1, { storage: { size: '50Gi', storageClassName: 'fast' }, keysSecretRef: { name: 'cp-keys', key: 'k.json' } })).sts);
  t.equal(custom.volumeClaimTemplates[0]!.spec.resources.requests.storage, '50Gi');
  t.equal(custom.volumeClaimTemplates[0]!.spec.storageClassName, 'fast');
  t.equal((custom.template.spec.volumes.find((v) => v.name === 'keys') as { secret: { secretName: string } }).secret.secretName, 'cp-keys');
  t.same(flagValues(custom.template.spec.containers[0]!.args, '--node-key'), ['/etc/konsortium/keys/k.json']);
});

t.test('the spec hash: stable across calls and key order, changes with the image', async (t) => {
  const a = buildFor(N1).sts;
  const b = buildFor(structuredClone(N1)).sts;
  const hash = a.metadata.annotations?.[SPEC_HASH_ANNOTATION];
  t.match(hash, /^[0-9a-f]{16}$/);
  t.equal(b.metadata.annotations?.[SPEC_HASH_ANNOTATION], hash, 'same input, same hash');
  t.equal(stsSpec(a).template.metadata.annotations[SPEC_HASH_ANNOTATION], hash, 'the pod template carries the hash (a change rolls the pod)');

  // The same node (with nested maps that end up in the pod spec) written with its keys in another order.
  const reversed = (o: unknown): unknown =>
    Array.isArray(o) ? o.map(reversed) : o !== null && typeof o === 'object' ? Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, reversed(v)])) : o;
  const withRes = ledgerNode('node-1', 1, { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } } });
  const withResReversed = reversed(withRes) as LedgerNode;
  t.not(JSON.stringify(withResReversed.spec.resources), JSON.stringify(withRes.spec.resources), 'the fixture really is reordered');
  const h1 = buildFor(withRes).sts.metadata.annotations?.[SPEC_HASH_ANNOTATION];
  const h2 = buildFor(withResReversed, reversed(NET) as KonsortiumNetwork, reversed(SIBLINGS) as LedgerNode[]).sts.metadata.annotations?.[SPEC_HASH_ANNOTATION];
  t.equal(h2, h1, 'key order does not matter');
  t.not(h1, hash, 'resources are part of the hash');

  t.equal(specHash({ a: 1, b: [1, { c: 2, d: 3 }] }), specHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  t.equal(specHash({ a: 1, gone: undefined }), specHash({ a: 1 }), 'undefined fields are ignored');
  t.not(specHash({ a: [1, 2] }), specHash({ a: [2, 1] }), 'array order matters');
  t.not(specHash({ a: '1' }), specHash({ a: 1 }), 'types matter');

  const other = buildFor(ledgerNode('node-1', 1, { image: 'registry.example/node:9' })).sts;
  t.not(other.metadata.annotations?.[SPEC_HASH_ANNOTATION], hash, 'a new image, a new hash');
});

t.test('the command line', async (t) => {
  const { s } = buildFor(N1);
  const args = s.args;
  t.same(flagValues(args, '--id'), ['1']);
  t.same(flagValues(args, '--cluster-id'), ['net1']);
  t.same(flagValues(args, '--raft-addr'), ['node-1-0.node-1.bank-a.svc:7000']);
  t.same(flagValues(args, '--http-addr'), ['node-1-0.node-1.bank-a.svc:8080']);
  t.same(s.self, nodeAddress(NS, 'node-1', 1));
  t.same(flagValues(args, '--peer'), s.peers.map((p) => `${p.id}=${p.raftAddr},${p.httpAddr}`), 'one --peer per address-book entry');
  t.equal(flagValues(args, '--peer').length, 2);
  t.notOk(args.includes('--join'), 'a genesis node does not join');
  t.same(flagValues(args, '--channel'), ['/etc/konsortium/genesis/audit.genesis.json', '/etc/konsortium/genesis/payments.genesis.json'], 'one --channel per channel (sorted)');
  t.same(flagValues(args, '--node-key'), [`/etc/konsortium/keys/${KEYS_SECRET_KEY}`]);
  t.same(flagValues(args, '--tick-ms'), ['50']);
  t.same(flagValues(args, '--election-ticks'), ['20']);
  t.same(flagValues(args, '--heartbeat-ticks'), ['2']);
  t.same(flagValues(args, '--snapshot-entries'), ['5000']);
  t.notOk(args.includes('--auth-jwks'));

  const joiner = resolveNodeSettings(N3, NET, SIBLINGS, D, GENESIS_IDS).args;
  t.equal(joiner.filter((a) => a === '--join').length, 1, 'a joiner gets --join once');
  t.same(flagValues(joiner, '--raft-addr'), ['node-3-0.node-3.bank-a.svc:7000'], "the joiner's own address");

  const noConsensus = resolveNodeSettings(N1, network({ consensus: { tickMs: 100 } }), SIBLINGS, D, GENESIS_IDS).args;
  t.same(flagValues(noConsensus, '--tick-ms'), ['100']);
  for (const f of ['--election-ticks', '--heartbeat-ticks', '--snapshot-entries']) t.notOk(noConsensus.includes(f), `${f} only when set`);
  const noNet = resolveNodeSettings(N1, null, SIBLINGS, D, GENESIS_IDS);
  t.notOk(noNet.args.includes('--tick-ms'), 'no network: no consensus flags');
  t.equal(noNet.manageMembership, false, 'no network: membership not managed');
  t.equal(resolveNodeSettings(N1, NET, SIBLINGS, D, GENESIS_IDS).manageMembership, true, 'default: managed');
  t.equal(resolveNodeSettings(N1, network({ manageMembership: false }), SIBLINGS, D, GENESIS_IDS).manageMembership, false);
  t.same(flagValues(resolveNodeSettings(ledgerNode('node-1', 1, { authJwksUrl: 'https://cp/jwks' }), NET, SIBLINGS, D, GENESIS_IDS).args, '--auth-jwks'), ['https://cp/jwks']);
});

t.test('image precedence: node > network > operator default > built-in default', async (t) => {
  const img = (node: LedgerNode, net: KonsortiumNetwork | null, d: OperatorDefaults): string => resolveNodeSettings(node, net, SIBLINGS, d, GENESIS_IDS).image;
  const own = ledgerNode('node-1', 1, { image: 'registry.example/own:1' });
  t.equal(img(own, NET, D), 'registry.example/own:1');
  t.equal(img(N1, NET, D), 'registry.example/net-image:2');
  t.equal(img(N1, network({ image: undefined }), D), 'registry.example/operator-default:1');
  t.equal(img(N1, null, D), 'registry.example/operator-default:1');
  t.equal(img(N1, null, {}), DEFAULT_NODE_IMAGE);
  t.equal(img(own, null, {}), 'registry.example/own:1');
});

t.test('the address book', async (t) => {
  const ids = (node: LedgerNode, genesis: readonly number[] = GENESIS_IDS, siblings: readonly LedgerNode[] = SIBLINGS): number[] => addressBook(node, siblings, D, genesis).map((p) => p.id);
  t.same(ids(N1), [1, 2], "the genesis documents' nodes (the joiner 3 and the other network's 4 are not in them)");
  t.same(ids(N2), [1, 2]);
  t.same(ids(N3), [1, 2, 3], 'a joiner has the genesis nodes and itself');
  t.same(ids(N1, []), [1], 'a genesis that lists no nodes: only itself');
  t.same(ids(N1, [1, 2], []), [1, 2], 'from the genesis, not from which LedgerNodes exist yet: no partial bootstrap');
  t.same(addressBook(N2, SIBLINGS, D, GENESIS_IDS).find((p) => p.id === 1), nodeAddress(NS, 'node-1', 1), "a member with a LedgerNode is reached at that LedgerNode's headless-Service name");
  t.same(addressBook(N1, [], D, [1, 5]).find((p) => p.id === 5), nodeAddress(NS, `${N1.spec.network}-node-5`, 5), 'one without a LedgerNode yet: at <network>-node-<id>');
  t.same(
    addressBook(N1, SIBLINGS, { clusterDomain: 'cluster.local' }, GENESIS_IDS).map((p) => p.raftAddr),
    ['node-1-0.node-1.bank-a.svc.cluster.local:7000', 'node-2-0.node-2.bank-a.svc.cluster.local:7000'],
    'with a cluster domain',
  );
  t.same(ids(N1, [2, 1, 2, 1]), [1, 2], 'no duplicates, sorted');

  const peers = [
    { id: 3, raftAddr: 'c.example:7000', httpAddr: 'c.example:8080' },
    { id: 1, raftAddr: 'a.example:7000', httpAddr: 'a.example:8080' },
    { id: 2, raftAddr: 'b.example:7000', httpAddr: 'b.example:8080' },
  ];
  const withPeers = ledgerNode('node-1', 1, { peers });
  t.same(addressBook(withPeers, SIBLINGS, D), [peers[1], peers[2], peers[0]], 'spec.peers as given, sorted by id; siblings ignored');
  t.same(peers.map((p) => p.id), [3, 1, 2], 'the spec is not sorted in place');
  const s = resolveNodeSettings(withPeers, NET, SIBLINGS, D, GENESIS_IDS);
  t.same(flagValues(s.args, '--raft-addr'), ['a.example:7000'], 'own addresses from spec.peers');
  t.same(flagValues(s.args, '--peer'), ['1=a.example:7000,a.example:8080', '2=b.example:7000,b.example:8080', '3=c.example:7000,c.example:8080']);
  t.throws(() => resolveNodeSettings(ledgerNode('node-9', 9, { peers }), NET, SIBLINGS, D, GENESIS_IDS), /lacks node 9/, 'spec.peers without this node is an invariant violation');
});

t.test('the headless Service', async (t) => {
  const svc = buildNodeService(N1);
  const spec = svc.spec as { clusterIP: string; publishNotReadyAddresses: boolean; selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
  t.equal(svc.metadata.name, 'node-1');
  t.equal(spec.clusterIP, 'None');
  t.equal(spec.publishNotReadyAddresses, true);
  t.same(spec.selector, stsSpec(buildFor(N1).sts).selector.matchLabels, 'selects the StatefulSet’s pod');
  t.same(
    spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [
      ['raft', 7000, 'raft'],
      ['http', 8080, 'http'],
    ],
  );
  t.same(svc.metadata.ownerReferences, [ownerRef(N1)]);
  t.match(svc.metadata.annotations?.[SPEC_HASH_ANNOTATION], /^[0-9a-f]{16}$/);
});

const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

t.test('the network PodDisruptionBudget', async (t) => {
  const pdb = buildNetworkPdb(NET);
  const spec = pdb.spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> }; minAvailable?: unknown };
  t.equal(pdb.apiVersion, 'policy/v1');
  t.equal(spec.maxUnavailable, 1);
  t.notOk('minAvailable' in spec);
  t.same(pdb.metadata.ownerReferences, [{ apiVersion: 'konsortium.dev/v1alpha1', kind: 'KonsortiumNetwork', name: 'net1', uid: 'uid-net1', controller: true, blockOwnerDeletion: true }]);
  const podOf = (n: LedgerNode): Record<string, string> => stsSpec(buildFor(n).sts).template.metadata.labels;
  for (const n of [N1, N2, N3]) t.ok(matches(spec.selector.matchLabels, podOf(n)), `selects ${n.metadata.name}'s pod`);
  t.notOk(matches(spec.selector.matchLabels, podOf(OTHER)), 'not the pods of another network');
});

t.test('the network NetworkPolicy', async (t) => {
  const np = buildNetworkPolicy(NET);
  type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: unknown };
  const spec = np.spec as { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: { from: Peer[]; ports: { protocol: string; port: number }[] }[] };
  t.same(spec.policyTypes, ['Ingress']);
  const podOf = (n: LedgerNode): Record<string, string> => stsSpec(buildFor(n).sts).template.metadata.labels;
  t.ok(matches(spec.podSelector.matchLabels, podOf(N1)), 'applies to the network’s node pods');
  t.notOk(matches(spec.podSelector.matchLabels, podOf(OTHER)), 'not to another network’s');
  const rulesFor = (port: number) => spec.ingress.filter((r) => r.ports.some((p) => p.port === port));
  const raft = rulesFor(7000);
  t.equal(raft.length, 1, 'one rule opens the raft port');
  t.same(raft[0]!.ports, [{ protocol: 'TCP', port: 7000 }], 'and nothing else');
  t.equal(raft[0]!.from.length, 1);
  const from = raft[0]!.from[0]!;
  t.notOk(from.namespaceSelector ?? from.ipBlock, 'same namespace, no IP blocks');
  t.ok(matches(from.podSelector!.matchLabels!, podOf(N2)), 'raft from the network’s nodes');
  t.notOk(matches(from.podSelector!.matchLabels!, podOf(OTHER)), 'not from another network’s nodes');
  t.notOk(matches(from.podSelector!.matchLabels!, { app: 'portal' }), 'not from other pods');
  const httpRules = rulesFor(8080);
  t.equal(httpRules.length, 1);
  t.same(httpRules[0]!.from, [{ podSelector: {} }], 'http from any pod of the namespace (no namespaceSelector)');
  t.same(
    spec.ingress.flatMap((r) => r.ports.map((p) => p.port)).sort(),
    [7000, 8080],
    'no other port is opened',
  );
  t.same(np.metadata.ownerReferences, [ownerRef(NET)]);
});

for (const suite of ['intl', 'gost', 'sm'] as const satisfies readonly SuiteId[]) {
  t.test(`generated node keys (${suite})`, async (t) => {
    const k = generateNodeKeys(N1, suite);
    const secret = k.secret as KubeObject & { type: string; stringData: Record<string, string> };
    t.equal(secret.kind, 'Secret');
    t.equal(secret.type, 'Opaque');
    t.equal(secret.metadata.name, 'node-1-keys');
    t.equal(secret.metadata.namespace, NS);
    t.same(secret.metadata.ownerReferences, [ownerRef(N1)]);
    t.same(Object.keys(secret.stringData), [KEYS_SECRET_KEY]);
    const file = JSON.parse(secret.stringData[KEYS_SECRET_KEY]!) as Record<string, string>;
    t.same(Object.keys(file).sort(), [suite, 'seal'].sort(), 'the suite key and the seal key');
    const signingPriv = fromHex(file[suite]!);
    const sealPriv = fromHex(file.seal!);
    t.equal(toHex(suiteById(suite).publicKeyOf(signingPriv)), k.publicKey, 'publicKey is the public half of the signing key');
    t.equal(toHex(x25519PublicKey(sealPriv)), k.sealKey, 'sealKey is the public half of the seal key');
    t.equal(secret.metadata.annotations?.['konsortium.dev/public-key'], k.publicKey);
    t.equal(secret.metadata.annotations?.['konsortium.dev/seal-key'], k.sealKey);
    const msg = new TextEncoder().encode('block');
    t.ok(suiteById(suite).verify(fromHex(k.publicKey), msg, suiteById(suite).sign(signingPriv, msg)), 'the pair signs and verifies');
    const { stringData: _private, ...rest } = secret;
    const outside = JSON.stringify([rest, k.publicKey, k.sealKey]);
    for (const [what, hex] of [
      ['signing', file[suite]!],
      ['seal', file.seal!],
    ] as const) {
      t.ok(hex.length >= 64, `${what} private key is there`);
      t.notOk(outside.toLowerCase().includes(hex.toLowerCase()), `the ${what} private key appears only in stringData`);
    }
    t.notOk('data' in secret, 'no base64 copy in data');
    const again = generateNodeKeys(N1, suite);
    t.not(again.publicKey, k.publicKey, 'fresh keys each time');
  });
}

t.test('the settings ConfigMap carries settings, never keys', async (t) => {
  const { s } = buildFor(N1);
  const cm = buildNodeConfigMap(N1, s);
  t.equal(cm.metadata.name, 'node-1-config');
  const settings = JSON.parse(cm.data!['settings.json']!) as { nodeId: number; image: string; args: string[]; peers: unknown[] };
  t.equal(settings.nodeId, 1);
  t.equal(settings.image, s.image);
  t.same(settings.args, s.args);
  t.same(settings.peers, s.peers);
  t.same(cm.metadata.ownerReferences, [ownerRef(N1)]);
});

t.test('ownerRef needs a uid', async (t) => {
  const noUid = ledgerNode('node-1', 1);
  delete noUid.metadata.uid;
  t.throws(() => ownerRef(noUid), /no uid/);
  const netNoUid = network();
  delete netNoUid.metadata.uid;
  t.throws(() => ownerRef(netNoUid), /no uid/);
  t.throws(() => buildStatefulSet(noUid, resolveNodeSettings(noUid, NET, [], D)), /no uid/, 'builders refuse an owner without uid');
  t.same(ownerRef(NET).kind, 'KonsortiumNetwork');
  t.same(ownerRef(N1).kind, 'LedgerNode');
});

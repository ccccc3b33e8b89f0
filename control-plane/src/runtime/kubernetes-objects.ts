/**
 * The Kubernetes objects the control plane writes for a ledger node: pure builders, no API
 * calls, so they are unit-tested without a cluster. `KubernetesNodeRuntime` applies them.
 *
 * Naming (node `<id>` of network `<network>` in namespace `<ns>`; `<base>` = `<network>-node-<id>`):
 *
 *     LedgerNode (custom resource)   <base>
 *     StatefulSet, headless Service  <base>          (created by the operator, one replica)
 *     Pod                            <base>-0
 *     Secret (node keys)             <base>-keys     key `keys.json`
 *     ConfigMap (genesis documents)  <base>-genesis  key `<channel>.genesis.json` per channel
 *     Raft address                   <base>-0.<base>.<ns>.svc:7000
 *     HTTP address                   <base>-0.<base>.<ns>.svc:8080   (http://… as the URL)
 *
 * The network name is a DNS-1123 label of at most 40 characters and the node id is 1..65535
 * (the CRD's limits), so `<base>` stays within 52 characters and the pod name and the
 * StatefulSet's `controller-revision-hash` label within 63. With `clusterDomain` the names
 * end in `.svc.<clusterDomain>`.
 *
 * The LedgerNode resource (group `konsortium.dev`, version `v1alpha1`, plural `ledgernodes`,
 * namespaced; its schema and CEL rules: the operator's CRD, helm/konsortium/crds), as the
 * control plane applies it:
 *
 *     apiVersion: konsortium.dev/v1alpha1
 *     kind: LedgerNode
 *     metadata:
 *       name: <base>
 *       namespace: <ns>
 *       labels:
 *         app.kubernetes.io/name: konsortium-node
 *         app.kubernetes.io/instance: <base>
 *         app.kubernetes.io/part-of: konsortium
 *         app.kubernetes.io/managed-by: konsortium-control-plane
 *         konsortium.dev/network: <network>
 *         konsortium.dev/node-id: "<id>"
 *         konsortium.dev/kind: shared | dedicated
 *         konsortium.dev/tenant: <tenant>            # dedicated nodes
 *     spec:
 *       network: <network>                           # also the node's --cluster-id
 *       nodeId: <id>
 *       kind: shared | dedicated                     # placement: shared pool or a tenant's own
 *       tenant: <tenant>                             # dedicated nodes only (the CRD requires it
 *                                                    # there and refuses it on a shared node)
 *       role: voter                                  # the Raft role to end up with: always voter
 *       join: true | false                           # NodeSpec.join: not in the channels' genesis,
 *                                                    # start empty and be added to Raft (as a
 *                                                    # learner first, then promoted); immutable
 *       channels:
 *         configMapRef: {name: <base>-genesis}
 *         names: [<channel>, …]                      # 1..64; key <channel>.genesis.json each
 *       keysSecretRef: {name: <base>-keys, key: keys.json}   # the control plane makes the keys
 *       peers: [{id, raftAddr, httpAddr}, …]         # the address book, this node included, by
 *                                                    # id; host:port each; omitted when empty
 *                                                    # (the operator then computes it)
 *       authJwksUrl: https://…                       # optional: the node checks bearer JWTs
 *       storage: {size: 10Gi, storageClassName: …}   # the data PVC; size defaults to 10Gi; immutable
 *       resources: {requests: {…}, limits: {…}}      # optional, the container's
 *       image: <image>                               # optional, else the operator's default
 *     status:                                        # written by the operator only
 *       observedGeneration: <n>
 *       raftRole: voter | learner | none
 *       restarts: <n>                                # container restarts of the node's pod
 *       conditions:                                  # Ready, Progressing, Degraded
 *         - {type, status: "True"|"False"|"Unknown", reason, message, lastTransitionTime, observedGeneration}
 *
 * The builders refuse (RangeError) what the CRD's schema would refuse, so a bad spec fails
 * before any API call; what only the API server can judge (the CRD's transition rules: network,
 * nodeId, join, tenant and storage are immutable) comes back from it as a
 * `KubernetesApiError` carrying its message (kubernetes-runtime.ts).
 *
 * Secrets never go into the resource or the ConfigMap: the keys live only in the Secret,
 * which the resource references by name. The Secret and ConfigMap carry an ownerReference to
 * the LedgerNode (when its uid is known), so the garbage collector removes them with it.
 *
 * The kind (shared or dedicated), tenant, storage and resources are not part of `NodeSpec`;
 * they come from a `LedgerNodeProfile` the runtime is constructed with.
 */
import type { NodeAddresses, NodeRunStatus, NodeSpec } from './node-runtime.js';
import { channelNames, checkNodeId, checkSpec } from './spec-checks.js';

export const LEDGER_NODE_GROUP = 'konsortium.dev';
export const LEDGER_NODE_VERSION = 'v1alpha1';
export const LEDGER_NODE_PLURAL = 'ledgernodes';
export const LEDGER_NODE_KIND = 'LedgerNode';
export const LEDGER_NODE_API_VERSION = `${LEDGER_NODE_GROUP}/${LEDGER_NODE_VERSION}`;
/** The server-side-apply field manager of everything the control plane writes. */
export const FIELD_MANAGER = 'konsortium-control-plane';
export const NODE_RAFT_PORT = 7000;
export const NODE_HTTP_PORT = 8080;
export const DEFAULT_STORAGE_SIZE = '10Gi';
/** The Secret's data key holding the node's key file. */
export const KEYS_SECRET_KEY = 'keys.json';

export type LedgerNodeKind = 'shared' | 'dedicated';
export type LedgerNodeRole = 'voter' | 'learner';

export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/** Where and how big a node runs: what the NodeSpec does not say. */
export interface LedgerNodeProfile {
  readonly kind: LedgerNodeKind;
  readonly tenant?: string;
  /** The data volume's size (default 10Gi). */
  readonly storageSize?: string;
  readonly storageClassName?: string;
  readonly resources?: ResourceRequirements;
  readonly image?: string;
}

export const DEFAULT_PROFILE: LedgerNodeProfile = { kind: 'shared' };

export interface LedgerNodeNames {
  /** `<network>-node-<id>`: the LedgerNode, StatefulSet and headless Service. */
  readonly base: string;
  readonly pod: string;
  readonly secret: string;
  readonly configMap: string;
}

export interface OwnerRef {
  readonly name: string;
  readonly uid: string;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly uid: string;
    readonly controller: boolean;
    readonly blockOwnerDeletion: boolean;
  }[];
}

export interface LedgerNodeSpecBody {
  readonly network: string;
  readonly nodeId: number;
  readonly kind: LedgerNodeKind;
  readonly tenant?: string;
  readonly role: LedgerNodeRole;
  readonly join: boolean;
  readonly channels: { readonly configMapRef: { readonly name: string }; readonly names: readonly string[] };
  readonly keysSecretRef: { readonly name: string; readonly key: string };
  readonly peers?: readonly { readonly id: number; readonly raftAddr: string; readonly httpAddr: string }[];
  readonly authJwksUrl?: string;
  readonly storage: { readonly size: string; readonly storageClassName?: string };
  readonly resources?: ResourceRequirements;
  readonly image?: string;
}

export interface LedgerNodeResource {
  readonly apiVersion: typeof LEDGER_NODE_API_VERSION;
  readonly kind: typeof LEDGER_NODE_KIND;
  readonly metadata: ObjectMeta;
  readonly spec: LedgerNodeSpecBody;
}

export interface SecretObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: ObjectMeta;
  readonly type: 'Opaque';
  /** base64 values. */
  readonly data: Readonly<Record<string, string>>;
}

export interface ConfigMapObject {
  readonly apiVersion: 'v1';
  readonly kind: 'ConfigMap';
  readonly metadata: ObjectMeta;
  readonly data: Readonly<Record<string, string>>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The CRD's `spec.tenant` pattern that is also a label value (those start and end alphanumeric). */
const TENANT = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** The CRD's host:port pattern of peer addresses. */
const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:([0-9]{1,5})$/;
/** The CRD's resource quantity pattern (storage size, requests, limits). */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/;
/** The CRD's limits. */
export const MAX_NETWORK_NAME = 40;
export const MAX_NODE_ID = 65_535;
const MAX_CHANNELS = 64;
const MAX_PEERS = 1000;

/** The object names of node `nodeId` of `network` (RangeError when they would be invalid). */
export function ledgerNodeNames(network: string, nodeId: number): LedgerNodeNames {
  checkNodeId(nodeId);
  if (nodeId > MAX_NODE_ID) throw new RangeError(`nodeId must be at most ${MAX_NODE_ID} on Kubernetes, got ${nodeId}`);
  if (typeof network !== 'string' || !DNS_LABEL.test(network) || network.length > MAX_NETWORK_NAME) {
    throw new RangeError(`network ${JSON.stringify(network)}: on Kubernetes a network name must be 1-${MAX_NETWORK_NAME} lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
  const base = `${network}-node-${nodeId}`;
  return { base, pod: `${base}-0`, secret: `${base}-keys`, configMap: `${base}-genesis` };
}

/** The node's stable in-cluster addresses: its pod's DNS name under the headless Service. */
export function ledgerNodeAddresses(network: string, nodeId: number, namespace: string, clusterDomain?: string): NodeAddresses {
  checkNamespace(namespace);
  const n = ledgerNodeNames(network, nodeId);
  const host = `${n.pod}.${n.base}.${namespace}.svc${clusterDomain === undefined || clusterDomain === '' ? '' : `.${clusterDomain}`}`;
  const httpAddr = `${host}:${NODE_HTTP_PORT}`;
  return { raftAddr: `${host}:${NODE_RAFT_PORT}`, httpAddr, httpUrl: `http://${httpAddr}` };
}

export function checkNamespace(namespace: string): void {
  if (typeof namespace !== 'string' || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new RangeError(`namespace must be a DNS-1123 label, got ${JSON.stringify(namespace)}`);
  }
}

function checkQuantity(what: string, q: unknown, maxLength: number): void {
  if (typeof q !== 'string' || q.length > maxLength || !QUANTITY.test(q)) throw new RangeError(`${what} must be a quantity such as 10Gi or 500m, got ${JSON.stringify(q)}`);
}

/** What the CRD requires of the profile's fields (RangeError naming the field). */
export function checkProfile(p: LedgerNodeProfile): void {
  if (p.kind !== 'shared' && p.kind !== 'dedicated') throw new RangeError(`profile kind must be shared or dedicated, got ${JSON.stringify(p.kind)}`);
  if (p.tenant !== undefined && (typeof p.tenant !== 'string' || !TENANT.test(p.tenant))) {
    throw new RangeError(`tenant must be 1-63 of [A-Za-z0-9_-], starting and ending with a letter or digit, got ${JSON.stringify(p.tenant)}`);
  }
  if (p.kind === 'dedicated' && p.tenant === undefined) throw new RangeError('a dedicated node names its tenant (profile.tenant)');
  if (p.kind === 'shared' && p.tenant !== undefined) throw new RangeError('a shared node serves every tenant: profile.tenant must be unset');
  if (p.storageSize !== undefined) checkQuantity('storageSize', p.storageSize, 32);
  if (p.storageClassName !== undefined && (typeof p.storageClassName !== 'string' || p.storageClassName === '' || p.storageClassName.length > 253)) {
    throw new RangeError(`storageClassName must be 1-253 characters, got ${JSON.stringify(p.storageClassName)}`);
  }
  for (const which of ['requests', 'limits'] as const) {
    const m = p.resources?.[which];
    if (m === undefined) continue;
    if (Object.keys(m).length > 16) throw new RangeError(`resources.${which}: at most 16 entries`);
    for (const [k, v] of Object.entries(m)) checkQuantity(`resources.${which}.${k}`, v, 64);
  }
  if (p.image !== undefined && (typeof p.image !== 'string' || p.image === '' || p.image.length > 512 || /\s/.test(p.image))) {
    throw new RangeError(`image must be 1-512 characters without spaces, got ${JSON.stringify(p.image)}`);
  }
}

/** The address book as the CRD takes it: by id, this node included, host:port addresses. */
function peersOf(spec: NodeSpec): { id: number; raftAddr: string; httpAddr: string }[] {
  if (spec.peers.length > MAX_PEERS) throw new RangeError(`node ${spec.nodeId}: at most ${MAX_PEERS} peers`);
  const peers = [...spec.peers].sort((a, b) => a.id - b.id).map((p) => ({ id: p.id, raftAddr: p.raftAddr, httpAddr: p.httpAddr }));
  for (const p of peers) {
    if (p.id > MAX_NODE_ID) throw new RangeError(`node ${spec.nodeId}: peer id must be at most ${MAX_NODE_ID}, got ${p.id}`);
    for (const [field, addr] of [['raftAddr', p.raftAddr], ['httpAddr', p.httpAddr]] as const) {
      const m = typeof addr === 'string' ? HOST_PORT.exec(addr) : null;
      if (m === null || Number(m[1]) > 65_535) throw new RangeError(`node ${spec.nodeId}: peer ${p.id} ${field} must be host:port (host of [A-Za-z0-9.-]), got ${JSON.stringify(addr)}`);
    }
  }
  if (peers.length > 0 && !peers.some((p) => p.id === spec.nodeId)) throw new RangeError(`node ${spec.nodeId}: the peers must include the node itself`);
  return peers;
}

/** The labels on every object of the node (selectors use network + node-id). */
export function ledgerNodeLabels(network: string, nodeId: number, profile: LedgerNodeProfile = DEFAULT_PROFILE): Record<string, string> {
  const n = ledgerNodeNames(network, nodeId);
  checkProfile(profile);
  return {
    'app.kubernetes.io/name': 'konsortium-node',
    'app.kubernetes.io/instance': n.base,
    'app.kubernetes.io/part-of': 'konsortium',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    'konsortium.dev/network': network,
    'konsortium.dev/node-id': String(nodeId),
    'konsortium.dev/kind': profile.kind,
    ...(profile.tenant === undefined ? {} : { 'konsortium.dev/tenant': profile.tenant }),
  };
}

export function genesisConfigMapKey(channel: string): string {
  return `${channel}.genesis.json`;
}

export interface BuildOptions {
  readonly namespace: string;
  readonly profile?: LedgerNodeProfile;
}

function meta(spec: NodeSpec, name: string, o: BuildOptions, owner?: OwnerRef): ObjectMeta {
  checkNamespace(o.namespace);
  return {
    name,
    namespace: o.namespace,
    labels: ledgerNodeLabels(spec.network, spec.nodeId, o.profile),
    ...(owner === undefined
      ? {}
      : { ownerReferences: [{ apiVersion: LEDGER_NODE_API_VERSION, kind: LEDGER_NODE_KIND, name: owner.name, uid: owner.uid, controller: false, blockOwnerDeletion: false }] }),
  };
}

/**
 * The LedgerNode apply body. Holds no key material: the keys are referenced by Secret name.
 * RangeError for what the CRD's schema would refuse.
 */
export function buildLedgerNode(spec: NodeSpec, o: BuildOptions): LedgerNodeResource {
  checkSpec(spec);
  const profile = o.profile ?? DEFAULT_PROFILE;
  const n = ledgerNodeNames(spec.network, spec.nodeId);
  const channels = channelNames(spec);
  if (channels.length === 0 || channels.length > MAX_CHANNELS) throw new RangeError(`node ${spec.nodeId}: a LedgerNode serves 1..${MAX_CHANNELS} channels, got ${channels.length}`);
  const peers = peersOf(spec);
  if (spec.authJwksUrl !== undefined && spec.authJwksUrl.length > 2048) throw new RangeError(`node ${spec.nodeId}: authJwksUrl is longer than 2048 characters`);
  return {
    apiVersion: LEDGER_NODE_API_VERSION,
    kind: LEDGER_NODE_KIND,
    metadata: meta(spec, n.base, o),
    spec: {
      network: spec.network,
      nodeId: spec.nodeId,
      kind: profile.kind,
      ...(profile.tenant === undefined ? {} : { tenant: profile.tenant }),
      // The role to end up with: every node the control plane places ends up a voter. A node
      // outside the genesis (`join`) starts empty and is added as a learner, then promoted.
      role: 'voter',
      join: spec.join,
      channels: { configMapRef: { name: n.configMap }, names: channels },
      keysSecretRef: { name: n.secret, key: KEYS_SECRET_KEY },
      ...(peers.length === 0 ? {} : { peers }),
      ...(spec.authJwksUrl === undefined ? {} : { authJwksUrl: spec.authJwksUrl }),
      storage: { size: profile.storageSize ?? DEFAULT_STORAGE_SIZE, ...(profile.storageClassName === undefined ? {} : { storageClassName: profile.storageClassName }) },
      ...(profile.resources === undefined ? {} : { resources: profile.resources }),
      ...(profile.image === undefined ? {} : { image: profile.image }),
    },
  };
}

/** The Secret with the node's key file (`keys.json`, base64 as Secret data is). */
export function buildKeysSecret(spec: NodeSpec, o: BuildOptions, owner?: OwnerRef): SecretObject {
  checkSpec(spec);
  const n = ledgerNodeNames(spec.network, spec.nodeId);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(spec, n.secret, o, owner),
    type: 'Opaque',
    data: { [KEYS_SECRET_KEY]: Buffer.from(JSON.stringify(spec.keys), 'utf8').toString('base64') },
  };
}

/** The ConfigMap with one genesis document per channel (public data only). */
export function buildGenesisConfigMap(spec: NodeSpec, o: BuildOptions, owner?: OwnerRef): ConfigMapObject {
  checkSpec(spec);
  const n = ledgerNodeNames(spec.network, spec.nodeId);
  const names = channelNames(spec);
  const data: Record<string, string> = {};
  names.forEach((name, i) => {
    data[genesisConfigMapKey(name)] = `${JSON.stringify(spec.channels[i], null, 2)}\n`;
  });
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(spec, n.configMap, o, owner), data };
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

function conditionsOf(status: Record<string, unknown> | undefined): Condition[] {
  const list = status?.['conditions'];
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string' && typeof (c as Condition).status === 'string');
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * A LedgerNode's run status from what the operator wrote (null/undefined: no such resource):
 *
 * | resource                                              | state        |
 * |-------------------------------------------------------|--------------|
 * | none                                                  | `absent`     |
 * | being deleted (`metadata.deletionTimestamp`)          | `stopped`    |
 * | Ready=True, status not older than the spec            | `running`    |
 * | Degraded=True, Progressing=True                       | `restarting` |
 * | Degraded=True otherwise                               | `failed`     |
 * | anything else (no status yet, Progressing, stale)     | `starting`   |
 *
 * The status is stale when `status.observedGeneration` (or the Ready condition's) is below
 * `metadata.generation`: the operator has not acted on the latest spec yet. `restarts` is
 * `status.restarts`; `lastError` is the Degraded condition's message (or reason) when it is
 * True, else a False Ready condition's message.
 */
export function nodeRunStatusFromResource(resource: unknown): NodeRunStatus {
  const obj = asRecord(resource);
  if (obj === undefined) return { state: 'absent', restarts: 0 };
  const metadata = asRecord(obj['metadata']);
  const status = asRecord(obj['status']);
  const r = status?.['restarts'];
  const restarts = typeof r === 'number' && Number.isInteger(r) && r >= 0 ? r : 0;
  const conditions = conditionsOf(status);
  const find = (type: string): Condition | undefined => conditions.find((c) => c.type === type);
  const ready = find('Ready');
  const degraded = find('Degraded');
  const progressing = find('Progressing');
  const withError = (state: NodeRunStatus['state'], c: Condition | undefined): NodeRunStatus => {
    const text = c?.message || c?.reason;
    return text ? { state, restarts, lastError: text } : { state, restarts };
  };
  if (metadata?.['deletionTimestamp'] !== undefined && metadata['deletionTimestamp'] !== null) return { state: 'stopped', restarts };
  const generation = metadata?.['generation'];
  const observed = typeof ready?.observedGeneration === 'number' ? ready.observedGeneration : status?.['observedGeneration'];
  const stale = typeof generation === 'number' && typeof observed === 'number' && observed < generation;
  const degradedNow = degraded?.status === 'True';
  if (ready?.status === 'True' && !stale) return withError('running', degradedNow ? degraded : undefined);
  if (degradedNow) return withError(progressing?.status === 'True' ? 'restarting' : 'failed', degraded);
  return withError('starting', ready?.status === 'False' ? ready : undefined);
}
